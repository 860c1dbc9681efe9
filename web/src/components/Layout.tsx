import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { can, logout, me } from '../session';

/** `adminOnly` items are not shown to other roles (their pages would only say so). */
type NavItem = { href: string; label: string; adminOnly?: boolean };

const NAV: { title: string; items: NavItem[] }[] = [
  { title: 'Overview', items: [{ href: '/', label: 'Dashboard' }] },
  {
    title: 'Audience',
    items: [
      { href: '/contacts', label: 'Contacts' },
      { href: '/segments', label: 'Segments' },
      { href: '/imports', label: 'Imports' },
      { href: '/do-not-contact', label: 'Do-not-contact' },
      { href: '/suppression-rules', label: 'Suppression rules' },
    ],
  },
  {
    title: 'Growth',
    items: [
      { href: '/keywords', label: 'Join keywords' },
      { href: '/forms', label: 'Signup forms' },
      { href: '/flows', label: 'Automation flows' },
    ],
  },
  {
    title: 'Messaging',
    items: [
      { href: '/campaigns', label: 'Campaigns' },
      { href: '/templates', label: 'Templates' },
      { href: '/sending-numbers', label: 'Sending numbers' },
      { href: '/inbox', label: 'Inbox' },
      { href: '/test-numbers', label: 'Test numbers' },
    ],
  },
  {
    title: 'Administration',
    items: [
      { href: '/settings', label: 'Settings' },
      { href: '/users', label: 'Users' },
      { href: '/api-keys', label: 'API keys' },
      { href: '/integrations/webhooks', label: 'Webhooks' },
      { href: '/audit-log', label: 'Audit log' },
      { href: '/system', label: 'System', adminOnly: true },
    ],
  },
];

function isCurrent(path: string, href: string) {
  return href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);
}

/** The signed-in frame: header, navigation for every area (a menu at phone width), main content. */
export function Layout({ children }: { children: ComponentChildren }) {
  const { path, route } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const m = me.value;

  const navigated = useRef(false);
  useEffect(() => {
    setMenuOpen(false);
    // After client-side navigation (not the first load), start keyboard and screen-reader users at the content.
    if (navigated.current) document.getElementById('main')?.focus();
    navigated.current = true;
  }, [path]);

  const signOut = async () => {
    await logout();
    route('/login');
  };

  return (
    <div class="app">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <button
          type="button"
          class="menu-toggle"
          aria-expanded={menuOpen ? 'true' : 'false'}
          aria-controls="main-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          <span aria-hidden="true">☰</span> Menu
        </button>
        <a href="/" class="brand">
          SMS Campaigns
          {m && <span class="brand__tenant">{m.tenant.name}</span>}
        </a>
        <div class="topbar__user">
          {m && (
            <span class="topbar__who">
              {m.user.email ?? 'API key'} <span class="badge badge--neutral">{m.user.role}</span>
            </span>
          )}
          <button type="button" class="btn btn--secondary btn--small" onClick={signOut}>
            Log out
          </button>
        </div>
      </header>
      <div class="frame">
        <nav id="main-nav" class={`sidenav${menuOpen ? ' sidenav--open' : ''}`} aria-label="Main">
          {NAV.map((section) => (
            <div class="sidenav__section" key={section.title}>
              <p class="sidenav__title">{section.title}</p>
              <ul>
                {section.items
                  .filter((item) => !item.adminOnly || can('admin'))
                  .map((item) => (
                    <li key={item.href}>
                      <a href={item.href} aria-current={isCurrent(path, item.href) ? 'page' : undefined}>
                        {item.label}
                      </a>
                    </li>
                  ))}
              </ul>
            </div>
          ))}
        </nav>
        <main id="main" class="content" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}

/** Page title + optional actions; sets document.title so history and tabs read well. */
export function PageHeader({
  title,
  children,
  back,
}: {
  title: string;
  children?: ComponentChildren;
  back?: { href: string; label: string };
}) {
  useEffect(() => {
    document.title = `${title} · SMS Campaigns`;
  }, [title]);
  return (
    <div class="page-header">
      {back && (
        <a class="back-link" href={back.href}>
          ← {back.label}
        </a>
      )}
      <div class="page-header__row">
        <h1>{title}</h1>
        {children && <div class="page-header__actions">{children}</div>}
      </div>
    </div>
  );
}
