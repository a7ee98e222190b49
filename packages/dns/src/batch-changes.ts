import type { Change } from '@aws-sdk/client-route-53';
import { DnsStateError } from './errors.ts';

/** Limits of one ChangeResourceRecordSets request. */
export interface ChangeBatchLimits {
  /** ResourceRecord elements per request; an UPSERT counts twice. @default 1000 */
  readonly maxRecords: number;
  /** Characters of all Value elements per request; an UPSERT counts twice. @default 32000 */
  readonly maxValueChars: number;
}

/** Route53's documented quotas for ChangeResourceRecordSets. */
export const ROUTE53_CHANGE_LIMITS: ChangeBatchLimits = { maxRecords: 1000, maxValueChars: 32_000 };

/**
 * What one change costs against the limits. An alias change has no ResourceRecord element but still costs
 * one, so a batch of aliases cannot grow without bound. Route53 counts an UPSERT as a delete plus a create.
 */
export function changeCost(change: Change): { records: number; valueChars: number } {
  const values = change.ResourceRecordSet?.ResourceRecords ?? [];
  const factor = change.Action === 'UPSERT' ? 2 : 1;
  return {
    records: Math.max(1, values.length) * factor,
    valueChars: values.reduce((sum, r) => sum + (r.Value?.length ?? 0), 0) * factor,
  };
}

/**
 * Splits changes into requests within the limits, keeping their order: the planner puts deletions first, so
 * a record that changes type is removed before its replacement is created. Pure.
 */
export function batchChanges(changes: readonly Change[], limits: ChangeBatchLimits = ROUTE53_CHANGE_LIMITS): Change[][] {
  const batches: Change[][] = [];
  let current: Change[] = [];
  let records = 0;
  let chars = 0;
  for (const change of changes) {
    const cost = changeCost(change);
    if (cost.records > limits.maxRecords || cost.valueChars > limits.maxValueChars) {
      const rrs = change.ResourceRecordSet;
      throw new DnsStateError(
        'DNS_CHANGE_TOO_LARGE',
        `${change.Action} ${rrs?.Type} ${rrs?.Name} (${rrs?.SetIdentifier ?? 'simple'}) alone exceeds Route53's limit of ` +
          `${limits.maxRecords} records / ${limits.maxValueChars} value characters per request`,
      );
    }
    if (current.length > 0 && (records + cost.records > limits.maxRecords || chars + cost.valueChars > limits.maxValueChars)) {
      batches.push(current);
      current = [];
      records = 0;
      chars = 0;
    }
    current.push(change);
    records += cost.records;
    chars += cost.valueChars;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
