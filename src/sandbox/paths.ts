/** Where the sandbox Jira site lives on the app's own origin; its "Jira base URL" is this path. */
export const SANDBOX_PATH = '/sandbox';
/** Where the sandbox serves the public keys of its signed install hooks (its CONNECT_KEYS_CDN_URL). */
export const SANDBOX_KEYS_PATH = `${SANDBOX_PATH}/connect-keys`;
