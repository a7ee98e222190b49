/**
 * Entry point for cdktf-cli (`cdktf synth|diff|deploy` in infra/, see cdktf.json). `fedgate synth` does the same
 * without cdktf-cli. The topology file comes from FEDGATE_TOPOLOGY, relative to infra/.
 */
import { App } from 'cdktf';
import { loadTopology } from '@fedgate/topology';
import { buildFleet } from './synth-fleet.ts';
import { planFleet } from './fleet-plan.ts';

const file = process.env.FEDGATE_TOPOLOGY ?? 'topologies/acme.example.yaml';
const { topology } = await loadTopology(file);
const app = new App({ stackTraces: false });
buildFleet(app, planFleet(topology, process.env.FEDGATE_STATE_BUCKET ? { stateBucket: process.env.FEDGATE_STATE_BUCKET } : {}));
app.synth();
