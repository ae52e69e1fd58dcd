import type { JiraServerGateway, OAuthConsumer } from '../../domain/connector/ports';
import type { AccessTokenResult, TemporaryCredentials, TokenCredentials } from '../../domain/oauth1';
import type { Clock } from '../../domain/ports/clock';
import type { HttpTransport } from '../../domain/ports/http-transport';
import type { Random } from '../../domain/ports/random';
import { HttpJiraServerClient, type HttpJiraServerClientOptions } from './http-jira-server-client';
import type { CredentialsRejection, JiraServerClient, JiraServerCredentials } from '../../domain/ports/jira-server-client';
import { JiraServerOAuthDance } from './oauth-dance';
import { assertSecureBaseUrl } from './secure-url';

export interface HttpJiraServerGatewayOptions {
  transport: HttpTransport;
  clock: Clock;
  random: Random;
  timeoutMs?: number;
  /** Passed to every client (tests shorten the backoff). */
  clientOptions?: Pick<HttpJiraServerClientOptions, 'retry' | 'sleep' | 'pageSize'>;
}

/** The connector service's way to Jira Server/DC over HTTP: the OAuth dance and REST clients. */
export class HttpJiraServerGateway implements JiraServerGateway {
  constructor(private readonly options: HttpJiraServerGatewayOptions) {}

  assertSecureBaseUrl(baseUrl: string): void {
    assertSecureBaseUrl(baseUrl);
  }

  requestToken(consumer: OAuthConsumer, callback: string): Promise<{ requestToken: TemporaryCredentials; authorizeUrl: string }> {
    return this.dance(consumer).requestToken(callback);
  }

  accessToken(consumer: OAuthConsumer, requestToken: TokenCredentials, verifier: string): Promise<AccessTokenResult> {
    return this.dance(consumer).accessToken(requestToken, verifier);
  }

  client(baseUrl: string, credentials: JiraServerCredentials, onCredentialsRejected: (rejection: CredentialsRejection) => Promise<void>): JiraServerClient {
    const { transport, clock, random, timeoutMs, clientOptions } = this.options;
    return new HttpJiraServerClient({
      baseUrl,
      credentials,
      transport,
      clock,
      random,
      onCredentialsRejected,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...clientOptions,
    });
  }

  private dance(consumer: OAuthConsumer): JiraServerOAuthDance {
    const { transport, clock, random, timeoutMs } = this.options;
    return new JiraServerOAuthDance({ ...consumer, transport, clock, random, ...(timeoutMs === undefined ? {} : { timeoutMs }) });
  }
}
