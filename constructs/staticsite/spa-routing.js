// SPA routing for CloudFront Functions (cloudfront-js-2.0), viewer request.
// A path whose last segment has no file extension is a route of the
// single-page app: serve /index.html and let the app's router read the URL.
// Anything with an extension (/assets/app.3f2a.js, /config.json, /favicon.ico)
// is a file and passes through unchanged, so a missing file stays a 404 from
// the origin instead of becoming index.html with status 200.
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
