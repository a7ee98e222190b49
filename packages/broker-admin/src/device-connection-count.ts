import { protocolPort, type Gateway } from '@fedgate/topology';
import type { ManagementClient } from './management-client.ts';

interface ConnectionPage {
  filtered_count?: number;
  total_count?: number;
}

/**
 * Connections to a gateway's device listeners (MQTT, STOMP and their WebSocket forms): the ones whose name, which
 * RabbitMQ makes `client:port -> server:port`, ends in one of those ports — so links, fedgate's tools and the
 * shovels' own connections do not count. One page of one row: the broker filters, only counts come back, so this
 * stays cheap on a gateway with tens of thousands of devices. Local clusters of N nodes listen on port+i; those count too.
 */
export async function countDeviceConnections(client: ManagementClient, gw: Gateway): Promise<number> {
  const ports = gw.protocols.flatMap((p) => Array.from({ length: gw.nodes }, (_, i) => protocolPort(gw, p) + i));
  const pattern = `:(${[...new Set(ports)].join('|')})$`;
  const query = new URLSearchParams({ page: '1', page_size: '1', name: pattern, use_regex: 'true', columns: 'name' });
  const page = await client.get<ConnectionPage>(`/connections?${query}`);
  return page.filtered_count ?? 0;
}
