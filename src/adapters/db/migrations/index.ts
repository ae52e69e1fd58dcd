import type { Migration } from './migration';
import { tenants } from './0001-tenants';
import { twoStepVerification } from './0010-two-step-verification';
import { policiesAndIds } from './0011-policies-and-ids';
import { auditEvents } from './0012-audit-events';
import { auditKeysetIndex } from './0101-audit-keyset-index';
import { browserSessions } from './0110-browser-sessions';
import { jiraConnector } from './0100-jira-connector';
import { unambiguousSealingContexts } from './0200-unambiguous-sealing-contexts';
import { jobs } from './0300-jobs';
import { directoryMirror } from './0301-directory-mirror';
import { syncWriteBack } from './0310-sync-write-back';
import { hardwareTokens } from './0311-hardware-tokens';
import { gates } from './0400-gates';
import { emailCodes } from './0500-email-codes';
import { accessPass } from './0510-access-pass';
import { directoryEnrolled } from './0520-directory-enrolled';

/** Every migration, in order. Add new ones at the end; never edit one that has shipped. */
export const MIGRATIONS: Migration[] = [
  tenants,
  twoStepVerification,
  policiesAndIds,
  auditEvents,
  jiraConnector,
  auditKeysetIndex,
  browserSessions,
  unambiguousSealingContexts,
  jobs,
  directoryMirror,
  syncWriteBack,
  hardwareTokens,
  gates,
  emailCodes,
  accessPass,
  directoryEnrolled,
];
