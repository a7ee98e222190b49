import assert from 'node:assert/strict';
import type { Definitions, UserDefinition } from '@fedgate/broker-config';
import { planChanges } from '../src/plan-changes.ts';

const user = (name: string, hash = 'h'): UserDefinition => ({
  name,
  password_hash: hash,
  hashing_algorithm: 'rabbit_password_hashing_sha256',
  tags: [],
  limits: {},
});
const empty: Definitions = {
  rabbit_version: '4.0.5',
  vhosts: [],
  users: [],
  permissions: [],
  topic_permissions: [],
  exchanges: [],
  queues: [],
  bindings: [],
  policies: [],
  parameters: [],
};

describe('broker-admin - plan (pure)', () => {
  it('compares a desired object with its live namesake whatever its name: a service user named by the topology', () => {
    const desired = { ...empty, users: [user('fedgate-admin'), user('billing')] };
    const live = { ...empty, users: [user('fedgate-admin'), user('billing')] };
    assert.deepEqual(planChanges('core', desired, live).changes, []);
    const changed = planChanges('core', desired, { ...live, users: [user('fedgate-admin'), user('billing', 'old')] });
    assert.deepEqual(
      changed.changes.map((c) => [c.action, c.kind, c.id]),
      [['update', 'user', 'billing']],
    );
  });

  it('calls only fedgate-named objects extra: users others created never show', () => {
    const plan = planChanges(
      'core',
      { ...empty, users: [user('fedgate-admin')] },
      { ...empty, users: [user('fedgate-admin'), user('ops-person'), user('fedgate-old')] },
    );
    assert.deepEqual(
      plan.extra.map((c) => c.id),
      ['fedgate-old'],
    );
  });
});
