// CloudFront Functions viewer-request handler (cloudfront-js-2.0 runtime).
// CloudFront replaces the Host header with the origin's host name, so the
// client's host is copied into X-Forwarded-Host for lamux to route by. Run
// lamux with --trust-forwarded-headers behind it, and only behind it.
function handler(event) {
  var request = event.request;
  var host = request.headers.host;
  if (host) {
    request.headers["x-forwarded-host"] = { value: host.value };
  }
  return request;
}
