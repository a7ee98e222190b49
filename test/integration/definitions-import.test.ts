import assert from 'node:assert/strict';
import { loadTopology } from '@fedgate/topology';
import { compileTopology, type Definitions } from '@fedgate/broker-config';
import { seg } from '@fedgate/broker-admin';
import { sharedFleet } from '../shared-fleet.ts';
import { fakeSecrets } from '../../packages/broker-config/test/compile-topology.test.ts';

/** Moves a definitions document into a scratch vhost with prefixed users, so importing it disturbs nothing. */
function isolated(d: Definitions, vhost: string, prefix: string): Definitions {
  const user = (name: string) => `${prefix}${name}`;
  return {
    ...d,
    vhosts: [{ name: vhost }],
    users: d.users.map((u) => ({ ...u, name: user(u.name) })),
    permissions: d.permissions.map((p) => ({ ...p, user: user(p.user), vhost })),
    topic_permissions: d.topic_permissions.map((p) => ({ ...p, user: user(p.user), vhost })),
    parameters: d.parameters.map((p) => ({ ...p, vhost })),
    policies: d.policies.map((p) => ({ ...p, vhost })),
    queues: d.queues.map((q) => ({ ...q, vhost })),
    exchanges: d.exchanges.map((x) => ({ ...x, vhost })),
    bindings: d.bindings.filter((b) => !b.source.startsWith('amq.')).map((b) => ({ ...b, vhost })),
  };
}

describe('broker-config - definitions import into a real node', function () {
  this.timeout(180_000);

  it('the local fleet booted from the rendered definitions, every object present', async () => {
    const fleet = await sharedFleet();
    const [artifacts] = compileTopology(fleet.topology, fleet.secrets);
    const admin = fleet.admin('core');
    const exchanges = (await admin.get<{ name: string }[]>(`/exchanges/${seg('/')}`)).map((x) => x.name);
    const queues = (await admin.get<{ name: string }[]>(`/queues/${seg('/')}`)).map((q) => q.name);
    for (const x of artifacts!.definitions.exchanges) assert.ok(exchanges.includes(x.name), `exchange ${x.name} missing`);
    for (const q of artifacts!.definitions.queues) assert.ok(queues.includes(q.name), `queue ${q.name} missing`);
  });

  it('imports every definitions document of the acme example without error', async () => {
    const fleet = await sharedFleet();
    const admin = fleet.admin('core');
    const { topology } = await loadTopology('infra/topologies/acme.example.yaml');
    for (const artifacts of compileTopology(topology, fakeSecrets(topology))) {
      const vhost = `import-check-${artifacts.cluster.name}`;
      const prefix = `${vhost}-`;
      const doc = isolated(artifacts.definitions, vhost, prefix);
      try {
        await admin.post('/definitions', doc);
        const queues = await admin.get<{ name: string }[]>(`/queues/${seg(vhost)}`);
        assert.equal(queues.length, doc.queues.length, `${artifacts.cluster.name}: queues imported`);
        const params = await admin.get<unknown[]>(`/parameters/shovel/${seg(vhost)}`);
        assert.equal(params.length, doc.parameters.filter((p) => p.component === 'shovel').length);
      } finally {
        await admin.delete(`/vhosts/${seg(vhost)}`).catch(() => undefined);
        for (const u of doc.users) await admin.delete(`/users/${seg(u.name)}`).catch(() => undefined);
      }
    }
  });
});
