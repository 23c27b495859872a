/**
 * The account's real manual snapshot quotas, read in each pass with RDS
 * `DescribeAccountAttributes` (one call): the quota and how much of it is
 * used, for DB snapshots and for DB cluster snapshots. Shared by both handlers.
 */
import { DescribeAccountAttributesCommand, RDSClient } from '@aws-sdk/client-rds';
import { errorCode } from './aws';
import { AccountQuotas, KINDS, Quota, QUOTA_NAMES } from './budget';
import { describeError, Logger } from './log';

/**
 * Reads the two manual snapshot quotas. If they cannot be read, the pass goes
 * on with AWS's default quota (see budget.ts) and says so in the log.
 */
export async function readAccountQuotas(rds: RDSClient, log: Logger): Promise<AccountQuotas> {
  try {
    const res = await rds.send(new DescribeAccountAttributesCommand({}));
    const out: Partial<Record<string, Quota>> = {};
    for (const kind of KINDS) {
      const q = res.AccountQuotas?.find((a) => a.AccountQuotaName === QUOTA_NAMES[kind]);
      if (q?.Max !== undefined) out[kind] = { used: Number(q.Used ?? 0), max: Number(q.Max) };
    }
    return out;
  } catch (e) {
    log.log('warn', 'the manual snapshot quotas could not be read; AWS\'s default quota is assumed', {
      event: 'account-quota-unknown',
      errorCode: errorCode(e),
      ...describeError(e),
      hint: 'the function\'s role needs rds:DescribeAccountAttributes',
    });
    return {};
  }
}
