import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { BootHelperError } from './boot-helper-error.ts';

/**
 * Private DNS names of the Auto Scaling group's pending and running instances, sorted, this one included: the peers
 * classic_config cluster formation is given at first boot.
 */
export async function findPeers(client: EC2Client, group: string): Promise<string[]> {
  const names = new Set<string>();
  let token: string | undefined;
  try {
    do {
      const res = await client.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: 'tag:aws:autoscaling:groupName', Values: [group] },
            { Name: 'instance-state-name', Values: ['pending', 'running'] },
          ],
          ...(token === undefined ? {} : { NextToken: token }),
        }),
      );
      for (const reservation of res.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) if (instance.PrivateDnsName) names.add(instance.PrivateDnsName);
      }
      token = res.NextToken;
    } while (token);
  } catch (err) {
    throw BootHelperError.from(err, 'DescribeInstances', `group ${group}`);
  }
  return [...names].sort();
}
