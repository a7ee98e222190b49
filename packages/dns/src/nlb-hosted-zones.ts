/**
 * Route53 hosted zone id of Network Load Balancers per region, needed in an alias record's AliasTarget.
 * From https://docs.aws.amazon.com/general/latest/gr/elb.html (the "Network Load Balancers" column). Kept as
 * data so planning needs no ELB call and no extra AWS SDK client.
 */
export const NLB_HOSTED_ZONE_IDS: Readonly<Record<string, string>> = {
  'af-south-1': 'Z203XCE67M25HM',
  'ap-east-1': 'Z12Y7K3UBGUAD1',
  'ap-northeast-1': 'Z31USIVHYNEOWT',
  'ap-northeast-2': 'ZIBE1TIR4HY56',
  'ap-northeast-3': 'Z1GWIQ4HH19I5X',
  'ap-south-1': 'ZVDDRBQ08TROA',
  'ap-south-2': 'Z0711778386UTO08407HT',
  'ap-southeast-1': 'ZKVM4W9LS7TM',
  'ap-southeast-2': 'ZCT6FZBF4DROD',
  'ap-southeast-3': 'Z01971771FYVNCOVWJU1G',
  'ca-central-1': 'Z2EPGBW3API2WT',
  'eu-central-1': 'Z3F0SRJ5LGBH90',
  'eu-central-2': 'Z02239872DOALSIDCX66S',
  'eu-north-1': 'Z1UDT6IFJ4EJM',
  'eu-south-1': 'Z23146JA1KNAFP',
  'eu-south-2': 'Z1011216NVTVYADP1SSV',
  'eu-west-1': 'Z2IFOLAFXWLO4F',
  'eu-west-2': 'ZD4D7Y8KGAS4G',
  'eu-west-3': 'Z1CMS0P5QUZ6D5',
  'me-central-1': 'Z00282643NTTLPANJJG2P',
  'me-south-1': 'Z3QSRYVP46NYYV',
  'sa-east-1': 'ZTK26PT1VY4CU',
  'us-east-1': 'Z26RNL4JYFTOTI',
  'us-east-2': 'ZLMOA37VPKANP',
  'us-west-1': 'Z24FKFUX50B4VW',
  'us-west-2': 'Z18D5FSROUN65G',
};

/** `my-nlb-0123456789abcdef.elb.us-east-1.amazonaws.com`, optionally `dualstack.`-prefixed. ALBs and classic ELBs differ. */
const NLB_DNS_NAME = /^(?:dualstack\.)?[a-z0-9-]+\.elb\.([a-z0-9-]+)\.amazonaws\.com\.?$/i;

/** The region of an NLB DNS name, or undefined when `host` is not one. */
export function nlbRegion(host: string): string | undefined {
  return NLB_DNS_NAME.exec(host)?.[1]?.toLowerCase();
}
