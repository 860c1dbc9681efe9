// What a recipient sees at their opt-out link: one question and one button (a plain form POST:
// it works without JavaScript, and a link preview or scanner that only GETs never opts anyone out),
// then the confirmation. Every page says what happened in plain words.
import { escapeHtml, recipientPage } from '../redirect/pages';

/** "DemoCoffee", or "Demo Coffee Pty Ltd (sent as “DemoCoffee”)" when the sender ID differs. */
function who(sender: string, senderId: string | null): string {
  const name = `<strong>${escapeHtml(sender)}</strong>`;
  return senderId && senderId.toLowerCase() !== sender.toLowerCase()
    ? `${name} (messages sent as “${escapeHtml(senderId)}”)`
    : name;
}

export function confirmPage(sender: string, senderId: string | null): Response {
  return recipientPage(
    'Stop messages?',
    `<p>You will get no more messages from ${who(sender, senderId)}.</p>` +
      '<form method="post"><button type="submit">Stop messages</button></form>',
    200,
    { hasForm: true },
  );
}

export function donePage(sender: string, senderId: string | null): Response {
  return recipientPage(
    'You have opted out',
    `<p>You will get no more messages from ${who(sender, senderId)}.</p>` +
      '<p>There is nothing else to do. You can close this page.</p>',
    200,
  );
}

export function alreadyPage(sender: string, senderId: string | null): Response {
  return recipientPage(
    'You have already opted out',
    `<p>You will get no more messages from ${who(sender, senderId)}.</p>` +
      '<p>There is nothing else to do. You can close this page.</p>',
    200,
  );
}

export function invalidPage(): Response {
  return recipientPage(
    'This opt-out link is not valid',
    '<p>This link is incomplete or was changed. Please open it again from your message, making sure it was copied completely.</p>' +
      '<p>Nothing has been changed.</p>',
    404,
  );
}

export function expiredPage(): Response {
  return recipientPage(
    'This opt-out link has expired',
    '<p>This personal opt-out link was valid for a limited time and has now expired. Nothing has been changed.</p>' +
      '<p>To stop messages, use the opt-out link in a more recent message, or contact the sender directly.</p>',
    410,
  );
}

/** The sender's data is being moved between databases for a minute or two: nothing was changed. */
export function busyPage(): Response {
  const res = recipientPage(
    'Please try again in a minute',
    '<p>We could not record your request just now, and nothing has been changed. Please open this link again in a minute or two.</p>',
    503,
  );
  res.headers.set('retry-after', '60');
  return res;
}
