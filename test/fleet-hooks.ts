// Root hooks for the whole mocha run: the shared local fleet is stopped once, after every suite.
import { stopSharedFleet } from './shared-fleet.ts';

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(120_000);
    await stopSharedFleet();
  },
};
