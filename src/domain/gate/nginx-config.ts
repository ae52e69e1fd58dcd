/**
 * The nginx snippet a gate's admin pastes into the server block of the Data Center site, filled in with
 * this gate's values. The same text as docs/nginx.md (its "server block" section), which the end-to-end
 * test runs with a real nginx: keep them in step.
 */
export interface NginxConfigValues {
  /** Twofold's public base URL (where nginx reaches `/gate/v1/`). */
  readonly twofoldUrl: string;
  /** The Data Center site's base URL (the connector's), where nginx proxies everything else. */
  readonly dataCenterUrl: string;
  readonly gateKey: string;
}

export function nginxConfig(values: NginxConfigValues): string {
  const twofold = values.twofoldUrl.replace(/\/+$/, '');
  const upstream = values.dataCenterUrl.replace(/\/+$/, '');
  return `# Twofold forward-auth gate: inside the server { } block of the Data Center site (TLS as you have it).
# Every request is first asked of Twofold; only a 204 reaches Data Center.
location = /twofold-gate-check {
    internal;
    proxy_pass ${twofold}/gate/v1/check;
    proxy_method GET;
    proxy_ssl_server_name on;
    proxy_pass_request_body off;
    proxy_set_header Content-Length "";
    proxy_set_header X-Twofold-Gate-Key "${values.gateKey}";
    proxy_set_header X-Original-URI $request_uri;
    proxy_set_header X-Original-Method $request_method;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header Cookie $http_cookie;
    proxy_set_header Authorization $http_authorization;
    proxy_set_header User-Agent $http_user_agent;
}

# Twofold's pages (verify, set-up, approvals) on the Data Center host, so that its cookie lives there.
location /twofold/ {
    proxy_pass ${twofold}/gate/v1/;
    proxy_ssl_server_name on;
    proxy_set_header Host $http_host;
    proxy_set_header X-Twofold-Gate-Key "${values.gateKey}";
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
}

location / {
    auth_request /twofold-gate-check;
    auth_request_set $twofold_location $upstream_http_x_twofold_location;
    auth_request_set $twofold_reason $upstream_http_x_twofold_reason;
    error_page 401 = @twofold_401;
    add_header X-Twofold-Reason $twofold_reason always;
    proxy_pass ${upstream};
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
}

# A browser goes to the verify page; a Git or REST client (no Location) gets the 401 and the reason.
location @twofold_401 {
    add_header X-Twofold-Reason $twofold_reason always;
    if ($twofold_location) {
        return 302 $twofold_location;
    }
    add_header WWW-Authenticate 'Basic realm="Approve this client in Twofold"' always;
    return 401;
}
`;
}
