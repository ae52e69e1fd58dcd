/**
 * The people of the sandbox Jira site: one administrator and members of two groups, enough to try
 * admin pages, group rollouts and paging. Account IDs have the shape of Atlassian's.
 */
export interface SandboxUser {
  accountId: string;
  displayName: string;
  emailAddress: string;
  groups: string[];
  active: boolean;
}

export const ADMIN_GROUPS = ['jira-administrators', 'site-admins'];

export const SANDBOX_USERS: SandboxUser[] = [
  {
    accountId: '5b10a2844c20165700ede21a',
    displayName: 'Alice Admin',
    emailAddress: 'alice@example.com',
    groups: ['jira-administrators', 'jira-software-users'],
    active: true,
  },
  {
    accountId: '5b10ac8d82e05b22cc7d4e2b',
    displayName: 'Bob Builder',
    emailAddress: 'bob@example.com',
    groups: ['developers', 'jira-software-users'],
    active: true,
  },
  {
    accountId: '5b10ac8d82e05b22cc7d4e3c',
    displayName: 'Carol Chen',
    emailAddress: 'carol.chen@example.com',
    groups: ['developers', 'qa', 'jira-software-users'],
    active: true,
  },
  { accountId: '5b10ac8d82e05b22cc7d4e4d', displayName: 'Dave Okafor', emailAddress: 'dave@example.com', groups: ['qa', 'jira-software-users'], active: true },
  {
    accountId: '5b10ac8d82e05b22cc7d4e5e',
    displayName: 'Erin Novak',
    emailAddress: 'erin.novak@example.com',
    groups: ['developers', 'jira-software-users'],
    active: true,
  },
  { accountId: '5b10ac8d82e05b22cc7d4e6f', displayName: 'Frank Former', emailAddress: 'frank@example.com', groups: ['developers'], active: false },
];

export function findUser(accountId: string): SandboxUser | undefined {
  return SANDBOX_USERS.find((user) => user.accountId === accountId);
}

export function isSiteAdmin(user: SandboxUser): boolean {
  return user.groups.some((group) => ADMIN_GROUPS.includes(group));
}

export function groupNames(): string[] {
  return [...new Set(SANDBOX_USERS.flatMap((user) => user.groups))].sort();
}

/**
 * `count` more people for trying a rollout at scale (`TWOFOLD_SANDBOX_STAFF`): members of the group `staff`,
 * known to the site's REST API (user search, group members, groups) but not offered as sign-in identities.
 */
export function staffUsers(count: number): SandboxUser[] {
  return Array.from({ length: count }, (_, index) => {
    const number = String(index + 1).padStart(5, '0');
    return {
      accountId: `5b10ff${(index + 1).toString(16).padStart(18, '0')}`,
      displayName: `Staff Member ${number}`,
      emailAddress: `staff${number}@example.com`,
      groups: ['staff', 'jira-software-users'],
      active: true,
    };
  });
}
