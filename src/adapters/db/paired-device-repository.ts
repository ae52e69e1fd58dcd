import type { Sequelize } from 'sequelize';
import type { DeviceRepository, PairedDevice, PushSubscription } from '../../domain/approvals/ports';
import type { DevicePublicKey } from '../../domain/approvals/signature';
import type { SecretBox } from '../../domain/ports/secret-box';
import { toDate } from './models/mfa-models';
import { devicePushSubscriptionContext } from './sealed-columns';
import { Sql } from './sql';

interface Row {
  id: string;
  client_key: string;
  account_id: string;
  name: string;
  public_key_jwk: string;
  paired_at: Date | string;
  last_used_at: Date | string | null;
}

const COLUMNS = 'id, client_key, account_id, name, public_key_jwk, paired_at, last_used_at';

/**
 * Paired phones. The device token is found by its SHA-256 (unique); the public key is public; the
 * push subscription is sealed, bound to its tenant and device.
 */
export class SequelizeDeviceRepository implements DeviceRepository {
  private readonly sql: Sql;

  constructor(
    sequelize: Sequelize,
    private readonly secretBox: SecretBox,
  ) {
    this.sql = Sql.for(sequelize);
  }

  create(device: PairedDevice, tokenHash: string): Promise<void> {
    return this.sql.insert(
      `INSERT INTO paired_devices (id, client_key, account_id, name, public_key_jwk, token_hash, paired_at, last_used_at, push_subscription_sealed)
       VALUES (:id, :tenant, :accountId, :name, :publicKey, :tokenHash, :pairedAt, NULL, NULL)`,
      {
        id: device.id,
        tenant: device.tenant,
        accountId: device.accountId,
        name: device.name,
        publicKey: JSON.stringify(device.publicKey),
        tokenHash,
        pairedAt: device.pairedAt,
      },
    );
  }

  async findByToken(tokenHash: string): Promise<PairedDevice | null> {
    const [row] = await this.sql.select<Row>(`SELECT ${COLUMNS} FROM paired_devices WHERE token_hash = :tokenHash`, { tokenHash });
    return row ? toDevice(row) : null;
  }

  async list(tenant: string, accountId: string): Promise<PairedDevice[]> {
    const rows = await this.sql.select<Row>(
      `SELECT ${COLUMNS} FROM paired_devices WHERE client_key = :tenant AND account_id = :accountId ORDER BY paired_at, id`,
      {
        tenant,
        accountId,
      },
    );
    return rows.map(toDevice);
  }

  async accountsWithDevices(tenant: string, accountIds: readonly string[]): Promise<Set<string>> {
    if (accountIds.length === 0) return new Set();
    // One placeholder per id (a page holds at most 100 users): the values are bound, never concatenated.
    const params: Record<string, unknown> = { tenant };
    const names = accountIds.map((accountId, index) => {
      params[`a${index}`] = accountId;
      return `:a${index}`;
    });
    const rows = await this.sql.select<{ account_id: string }>(
      `SELECT DISTINCT account_id FROM paired_devices WHERE client_key = :tenant AND account_id IN (${names.join(', ')})`,
      params,
    );
    return new Set(rows.map((row) => row.account_id));
  }

  async remove(tenant: string, accountId: string, deviceId: string): Promise<boolean> {
    return (
      (await this.sql.changed('DELETE FROM paired_devices WHERE client_key = :tenant AND account_id = :accountId AND id = :deviceId', {
        tenant,
        accountId,
        deviceId,
      })) === 1
    );
  }

  removeAll(tenant: string, accountId: string): Promise<number> {
    return this.sql.changed('DELETE FROM paired_devices WHERE client_key = :tenant AND account_id = :accountId', { tenant, accountId });
  }

  async touch(deviceId: string, at: Date): Promise<void> {
    await this.sql.changed('UPDATE paired_devices SET last_used_at = :at WHERE id = :deviceId', { deviceId, at });
  }

  async savePushSubscription(deviceId: string, subscription: PushSubscription | null): Promise<void> {
    if (subscription === null) {
      await this.sql.changed('UPDATE paired_devices SET push_subscription_sealed = NULL WHERE id = :deviceId', { deviceId });
      return;
    }
    const [row] = await this.sql.select<{ client_key: string }>('SELECT client_key FROM paired_devices WHERE id = :deviceId', { deviceId });
    if (!row) return;
    const sealed = this.secretBox.seal(JSON.stringify(subscription), devicePushSubscriptionContext(row.client_key, deviceId));
    await this.sql.changed('UPDATE paired_devices SET push_subscription_sealed = :sealed WHERE id = :deviceId', { deviceId, sealed });
  }

  async pushSubscriptions(tenant: string, accountId: string): Promise<{ deviceId: string; subscription: PushSubscription }[]> {
    const rows = await this.sql.select<{ id: string; push_subscription_sealed: string }>(
      'SELECT id, push_subscription_sealed FROM paired_devices WHERE client_key = :tenant AND account_id = :accountId AND push_subscription_sealed IS NOT NULL',
      { tenant, accountId },
    );
    return rows.map((row) => ({
      deviceId: row.id,
      subscription: JSON.parse(this.secretBox.open(row.push_subscription_sealed, devicePushSubscriptionContext(tenant, row.id))) as PushSubscription,
    }));
  }
}

function toDevice(row: Row): PairedDevice {
  return {
    id: row.id,
    tenant: row.client_key,
    accountId: row.account_id,
    name: row.name,
    publicKey: JSON.parse(row.public_key_jwk) as DevicePublicKey,
    pairedAt: toDate(row.paired_at) as Date,
    lastUsedAt: toDate(row.last_used_at),
  };
}
