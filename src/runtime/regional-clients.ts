/**
 * A handler's RDS clients by Region: its own client in its own Region, and one
 * per other Region, made once and counted like the first. The vault reads what
 * sources in other Regions share there; a shipper that copies across Regions
 * reads its databases in theirs.
 */
import { RDSClient } from '@aws-sdk/client-rds';
import { ApiCallCounter } from './api-counter';
import { SDK_CLIENT_CONFIG } from './aws';

export function rdsByRegion(own: RDSClient, counter: ApiCallCounter, ownRegion: string | undefined): (region: string) => RDSClient {
  const clients = new Map<string, RDSClient>();
  return (region) => {
    if (region === ownRegion) return own;
    let client = clients.get(region);
    if (!client) {
      client = new RDSClient({ ...SDK_CLIENT_CONFIG, region });
      counter.attach(client, `rds@${region}`);
      clients.set(region, client);
    }
    return client;
  };
}
