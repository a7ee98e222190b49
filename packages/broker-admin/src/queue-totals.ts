import { seg, type ManagementClient } from './management-client.ts';

interface TotalsPage {
  items: { name: string; messages?: number }[];
}

/** Regex metacharacters of a queue name, escaped for the management API's `use_regex` filter. */
const escapeRegex = (name: string) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Messages (ready and unacknowledged) of the named queues, asked of the queues themselves: the management API's
 * `enable_queue_totals`, which answers without the management plugin's statistics (gateways run without them) and
 * from any node of a cluster. One request for all the names; a queue that does not exist is absent from the result.
 */
export async function queueTotals(client: ManagementClient, vhost: string, names: readonly string[]): Promise<Map<string, number>> {
  if (names.length === 0) return new Map();
  const query = new URLSearchParams({
    disable_stats: 'true',
    enable_queue_totals: 'true',
    name: `^(${names.map(escapeRegex).join('|')})$`,
    use_regex: 'true',
    page: '1',
    page_size: String(names.length),
    columns: 'name,messages',
  });
  const page = await client.get<TotalsPage>(`/queues/${seg(vhost)}?${query}`);
  return new Map(page.items.filter((q) => typeof q.messages === 'number').map((q) => [q.name, q.messages!]));
}
