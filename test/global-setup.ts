/** Placeholder until the DynamoDB Local suite lands; replaced by the integration setup. */
export default function setup(): void {}
