// The floor for the redirect benchmark: a Worker that answers a fixed 302 and does nothing else,
// on the same wrangler dev runtime and compatibility settings as the real app.
const LOCATION = 'https://shop.example.com/offer?ref=sms&utm_source=sms&utm_campaign=bench';

export default {
  fetch(): Response {
    return new Response(null, {
      status: 302,
      headers: { location: LOCATION, 'cache-control': 'private, no-store' },
    });
  },
} satisfies ExportedHandler;
