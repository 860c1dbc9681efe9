import { escapeHtml } from '../http/html';

/** The public page of a form and the snippets to paste on a website (a link, an iframe). */
export function embedSnippets(baseUrl: string, formId: string, title: string) {
  const url = `${baseUrl.replace(/\/$/, '')}/f/${formId}`;
  return {
    url,
    link: `<a href="${escapeHtml(url)}">${escapeHtml(title)}</a>`,
    iframe: `<iframe src="${escapeHtml(url)}" title="${escapeHtml(title)}" width="100%" height="720" style="border:0;max-width:480px" loading="lazy"></iframe>`,
  };
}
