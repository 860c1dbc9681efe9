import type { ButtonHTMLAttributes, ComponentChildren } from 'preact';

type Variant = 'primary' | 'secondary' | 'danger' | 'link';

type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'class'> & {
  variant?: Variant;
  busy?: boolean;
  small?: boolean;
  children: ComponentChildren;
};

/** A button that says when it is working (aria-busy) and cannot be double-submitted meanwhile. */
export function Button({
  variant = 'secondary',
  busy,
  small,
  children,
  disabled,
  type,
  ...rest
}: ButtonProps) {
  return (
    <button
      {...rest}
      type={type ?? 'button'}
      class={`btn btn--${variant}${small ? ' btn--small' : ''}`}
      disabled={disabled || busy}
      aria-busy={busy ? 'true' : undefined}
    >
      {children}
    </button>
  );
}

/** A link styled as a button (navigation, not an action). */
export function ButtonLink({
  href,
  variant = 'secondary',
  download,
  children,
}: {
  href: string;
  variant?: Variant;
  download?: boolean | string;
  children: ComponentChildren;
}) {
  return (
    <a href={href} class={`btn btn--${variant}`} download={download}>
      {children}
    </a>
  );
}
