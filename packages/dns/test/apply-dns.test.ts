import assert from 'node:assert/strict';
import {
  ChangeResourceRecordSetsCommand,
  ChangeTagsForResourceCommand,
  CreateHealthCheckCommand,
  DeleteHealthCheckCommand,
  GetChangeCommand,
  UpdateHealthCheckCommand,
} from '@aws-sdk/client-route-53';
import type { Topology } from '@fedgate/topology';
import { applyDns, callerReference, drainGateway, DnsStateError, ownerKey, planDns } from '../src/index.ts';
import { DnsHarness, START_MS, behindNlbs, exampleTopology, variant } from './dns-harness.ts';

const OWNER = ownerKey('acme', 'mqtt.acme.example.com.');
const NAME = 'mqtt.acme.example.com.';

function expectedHealthCheck(host: string) {
  return { Type: 'HTTP', FullyQualifiedDomainName: host, Port: 8080, ResourcePath: '/healthz', RequestInterval: 10, FailureThreshold: 3 };
}

describe('dns apply', () => {
  let h: DnsHarness;
  let acme: Topology;

  beforeEach(async () => {
    h = new DnsHarness();
    acme = await exampleTopology();
  });
  afterEach(() => h.restore());

  it('dns apply - sends the exact health checks and change batch for the example topology', async () => {
    const result = await applyDns(acme, h.options());

    const creates = h.fake.mock.commandCalls(CreateHealthCheckCommand).map((c) => c.args[0].input);
    assert.deepEqual(creates, [
      { CallerReference: callerReference(OWNER, 'us', START_MS), HealthCheckConfig: expectedHealthCheck('us.gw.acme.internal') },
      { CallerReference: callerReference(OWNER, 'eu', START_MS), HealthCheckConfig: expectedHealthCheck('eu.gw.acme.internal') },
      { CallerReference: callerReference(OWNER, 'ap', START_MS), HealthCheckConfig: expectedHealthCheck('ap.gw.acme.internal') },
    ]);
    assert.equal(creates[0]!.CallerReference, `fedgate:${OWNER}:us:${START_MS.toString(36)}`);
    assert.deepEqual(h.fake.mock.commandCalls(ChangeTagsForResourceCommand)[0]!.args[0].input, {
      ResourceType: 'healthcheck',
      ResourceId: 'hc-1',
      AddTags: [
        { Key: 'Name', Value: 'fedgate acme us (mqtt.acme.example.com.)' },
        { Key: 'fedgate:topology', Value: 'acme' },
        { Key: 'fedgate:gateway', Value: 'us' },
        { Key: 'fedgate:record', Value: 'mqtt.acme.example.com.' },
      ],
    });

    const batches = h.fake.mock.commandCalls(ChangeResourceRecordSetsCommand);
    assert.equal(batches.length, 1);
    assert.deepEqual(batches[0]!.args[0].input, {
      HostedZoneId: 'ZACME',
      ChangeBatch: {
        Comment: 'fedgate dns apply: topology acme',
        Changes: [
          {
            Action: 'CREATE',
            ResourceRecordSet: {
              Name: NAME, Type: 'CNAME', SetIdentifier: 'us-east-1', Region: 'us-east-1', TTL: 60,
              ResourceRecords: [{ Value: 'us.gw.acme.internal' }], HealthCheckId: 'hc-1',
            },
          },
          {
            Action: 'CREATE',
            ResourceRecordSet: {
              Name: NAME, Type: 'CNAME', SetIdentifier: 'eu-central-1', Region: 'eu-central-1', TTL: 60,
              ResourceRecords: [{ Value: 'eu.gw.acme.internal' }], HealthCheckId: 'hc-2',
            },
          },
          {
            Action: 'CREATE',
            ResourceRecordSet: {
              Name: NAME, Type: 'CNAME', SetIdentifier: 'ap-southeast-1', Region: 'ap-southeast-1', TTL: 60,
              ResourceRecords: [{ Value: 'ap.gw.acme.internal' }], HealthCheckId: 'hc-3',
            },
          },
        ],
      },
    });
    assert.equal(result.applied, true);
    assert.deepEqual(result.createdHealthChecks, { us: 'hc-1', eu: 'hc-2', ap: 'hc-3' });
    assert.equal(h.fake.records.length, 3);
  });

  it('dns apply - polls GetChange until INSYNC and reports each step as progress', async () => {
    h.fake.pendingPolls = 2;
    await applyDns(acme, h.options({ changePollIntervalMs: 4000 }));

    assert.equal(h.fake.mock.commandCalls(GetChangeCommand).length, 3);
    assert.deepEqual(h.fake.mock.commandCalls(GetChangeCommand)[0]!.args[0].input, { Id: 'C4' });
    assert.deepEqual(h.sleeps, [4000, 4000, 4000]);
    assert.deepEqual(h.events.map((e) => e.type), [
      'health-check-created', 'health-check-created', 'health-check-created',
      'change-submitted', 'change-pending', 'change-pending', 'change-pending', 'change-insync',
    ]);
    assert.deepEqual(h.events.at(-1), { type: 'change-insync', changeId: 'C4', elapsedMs: 12000 });
  });

  it('dns apply - a second apply reads back the first one and sends no change', async () => {
    h.fake.pageSize = 1; // record and health check listings both span several pages
    await applyDns(acme, h.options());
    h.fake.records.push({ Name: 'zzz.acme.example.com.', Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: '"other"' }] });
    h.resetHistory();

    const second = await applyDns(acme, h.options());

    assert.equal(second.applied, false);
    assert.equal(second.plan.inSync, true);
    const sent = h.fake.mock.calls().map((c) => c.args[0].constructor.name);
    assert.deepEqual([...new Set(sent)], ['ListHostedZonesByNameCommand', 'ListResourceRecordSetsCommand', 'ListHealthChecksCommand']);
    assert.equal(sent.filter((name) => name === 'ListResourceRecordSetsCommand').length, 3, 'followed the record pages');
    assert.equal(sent.filter((name) => name === 'ListHealthChecksCommand').length, 2, 'followed NextMarker');
  });

  it('dns apply - NLB hosts become A aliases with evaluate-target-health, and re-apply is a no-op despite Route53 adding the trailing dot', async () => {
    const nlb = behindNlbs(acme);
    await applyDns(nlb, h.options());
    const changes = h.fake.mock.commandCalls(ChangeResourceRecordSetsCommand)[0]!.args[0].input.ChangeBatch?.Changes;
    assert.deepEqual(changes?.[0], {
      Action: 'CREATE',
      ResourceRecordSet: {
        Name: NAME, Type: 'A', SetIdentifier: 'us-east-1', Region: 'us-east-1',
        AliasTarget: { HostedZoneId: 'Z26RNL4JYFTOTI', DNSName: 'fedgate-us-0123456789abcdef.elb.us-east-1.amazonaws.com', EvaluateTargetHealth: true },
        HealthCheckId: 'hc-1',
      },
    });
    assert.equal(changes?.[2]?.ResourceRecordSet?.AliasTarget?.HostedZoneId, 'ZKVM4W9LS7TM');
    assert.equal(h.fake.records[0]!.AliasTarget!.DNSName, 'fedgate-us-0123456789abcdef.elb.us-east-1.amazonaws.com.');
    h.resetHistory();

    const second = await applyDns(nlb, h.options());
    assert.equal(second.plan.inSync, true);
    assert.equal(h.fake.mock.commandCalls(ChangeResourceRecordSetsCommand).length, 0);
  });

  it('dns apply - switching CNAME records to aliases deletes and creates in one atomic batch', async () => {
    await applyDns(acme, h.options());
    h.resetHistory();

    await applyDns(behindNlbs(acme), h.options());

    const calls = h.fake.mock.commandCalls(ChangeResourceRecordSetsCommand);
    assert.equal(calls.length, 1);
    const actions = calls[0]!.args[0].input.ChangeBatch!.Changes!.map((c) => `${c.Action} ${c.ResourceRecordSet!.Type} ${c.ResourceRecordSet!.SetIdentifier}`);
    assert.deepEqual(actions, [
      'DELETE CNAME us-east-1', 'DELETE CNAME eu-central-1', 'DELETE CNAME ap-southeast-1',
      'CREATE A us-east-1', 'CREATE A eu-central-1', 'CREATE A ap-southeast-1',
    ]);
    assert.deepEqual(h.fake.records.map((r) => r.Type), ['A', 'A', 'A']);
  });

  it('dns apply - a changed failure threshold updates the health checks in place and leaves the records alone', async () => {
    await applyDns(acme, h.options());
    h.resetHistory();

    await applyDns(variant(acme, (t) => { t.dns!.healthCheck.failureThreshold = 5; }), h.options());

    assert.deepEqual(h.fake.mock.commandCalls(UpdateHealthCheckCommand).map((c) => c.args[0].input), [
      { HealthCheckId: 'hc-1', HealthCheckVersion: 1, FailureThreshold: 5 },
      { HealthCheckId: 'hc-2', HealthCheckVersion: 1, FailureThreshold: 5 },
      { HealthCheckId: 'hc-3', HealthCheckVersion: 1, FailureThreshold: 5 },
    ]);
    assert.equal(h.fake.mock.commandCalls(ChangeResourceRecordSetsCommand).length, 0);
    assert.equal(h.fake.mock.commandCalls(CreateHealthCheckCommand).length, 0);
  });

  it('dns apply - a changed interval replaces each health check: create, repoint the record, then delete the old one', async () => {
    await applyDns(acme, h.options());
    h.resetHistory();

    await applyDns(variant(acme, (t) => { t.dns!.healthCheck.intervalSeconds = 30; }), h.options());

    assert.equal(h.fake.mock.commandCalls(CreateHealthCheckCommand).length, 3);
    const changes = h.fake.mock.commandCalls(ChangeResourceRecordSetsCommand)[0]!.args[0].input.ChangeBatch!.Changes!;
    assert.deepEqual(changes.map((c) => [c.Action, c.ResourceRecordSet!.HealthCheckId]), [['UPSERT', 'hc-5'], ['UPSERT', 'hc-6'], ['UPSERT', 'hc-7']]);
    assert.deepEqual(h.fake.mock.commandCalls(DeleteHealthCheckCommand).map((c) => c.args[0].input.HealthCheckId), ['hc-1', 'hc-2', 'hc-3']);
    // The fake refuses to delete a check a record still uses, so reaching here proves the order.
    assert.deepEqual(h.fake.healthChecks.map((hc) => [hc.Id, hc.HealthCheckConfig!.RequestInterval]), [['hc-5', 30], ['hc-6', 30], ['hc-7', 30]]);
  });

  it('dns apply - removing a gateway deletes its record first, then its health check', async () => {
    await applyDns(acme, h.options());
    h.resetHistory();

    await applyDns(variant(acme, (t) => { t.gateways = t.gateways.filter((g) => g.name !== 'ap'); }), h.options());

    const changes = h.fake.mock.commandCalls(ChangeResourceRecordSetsCommand)[0]!.args[0].input.ChangeBatch!.Changes!;
    assert.deepEqual(changes, [
      {
        Action: 'DELETE',
        ResourceRecordSet: {
          Name: NAME, Type: 'CNAME', SetIdentifier: 'ap-southeast-1', Region: 'ap-southeast-1', TTL: 60,
          ResourceRecords: [{ Value: 'ap.gw.acme.internal' }], HealthCheckId: 'hc-3',
        },
      },
    ]);
    assert.deepEqual(h.fake.mock.commandCalls(DeleteHealthCheckCommand).map((c) => c.args[0].input), [{ HealthCheckId: 'hc-3' }]);
    assert.deepEqual(h.fake.records.map((r) => r.SetIdentifier), ['us-east-1', 'eu-central-1']);
  });

  it('dns apply - a record pointing at a foreign health check is repointed to fedgate\'s own', async () => {
    await applyDns(acme, h.options());
    h.fake.healthChecks.push({ Id: 'someone-elses', CallerReference: 'console-123', HealthCheckVersion: 1, HealthCheckConfig: { Type: 'TCP', Port: 8883, FullyQualifiedDomainName: 'us.gw.acme.internal' } });
    h.fake.records[0]!.HealthCheckId = 'someone-elses';
    h.resetHistory();

    const result = await applyDns(acme, h.options());

    assert.deepEqual(result.plan.records.map((r) => [r.action, r.recordSet.HealthCheckId, r.reason]), [['UPSERT', 'hc-1', 'changed: health check']]);
    assert.equal(h.fake.mock.commandCalls(DeleteHealthCheckCommand).length, 0, 'never deletes a check it does not own');
  });

  it('dns apply --dry-run reads the zone and sends nothing', async () => {
    const result = await applyDns(acme, { ...h.options(), dryRun: true });

    assert.equal(result.applied, false);
    assert.equal(result.plan.records.length, 3);
    assert.deepEqual(result.plan.healthChecks.map((c) => `${c.action} ${c.gateway}`), ['create us', 'create eu', 'create ap']);
    assert.equal(h.fake.mock.commandCalls(CreateHealthCheckCommand).length, 0);
    assert.equal(h.fake.mock.commandCalls(ChangeResourceRecordSetsCommand).length, 0);
  });

  it('dns apply - refuses when the name holds a record fedgate does not manage', async () => {
    h.fake.records.push({ Name: NAME, Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: 'legacy.acme.example.com' }] });

    await assert.rejects(applyDns(acme, h.options()), (err: unknown) => {
      assert.ok(err instanceof DnsStateError);
      assert.equal(err.code, 'DNS_RECORD_CONFLICT');
      assert.match(err.message, /CNAME mqtt\.acme\.example\.com\. is not a latency record/);
      return true;
    });
    assert.equal(h.fake.mock.commandCalls(CreateHealthCheckCommand).length, 0);
  });

  it('dns apply - keeps a drained region drained, also when its health check is replaced', async () => {
    await applyDns(acme, h.options());
    await drainGateway(acme, 'eu', h.options());
    h.resetHistory();

    const same = await planDns(acme, h.options());
    assert.equal(same.inSync, true, 'drain state is not drift');

    await applyDns(variant(acme, (t) => { t.dns!.healthCheck.intervalSeconds = 30; }), h.options());
    const created = h.fake.mock.commandCalls(CreateHealthCheckCommand).map((c) => c.args[0].input.HealthCheckConfig);
    assert.deepEqual(created.map((c) => [c?.Disabled, c?.Inverted]), [[undefined, undefined], [true, true], [undefined, undefined]]);
  });
});
