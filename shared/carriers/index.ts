export { aftership, AFTERSHIP_SUBTAG, AFTERSHIP_TAG } from './aftership.js';
export { easypost, EASYPOST_STATUS } from './easypost.js';
export { DEFAULT_SHIPPO_REPLAY_WINDOW_MS, shippo, SHIPPO_STATUS, SHIPPO_TEST_CARRIER, SHIPPO_TRANSIT_SUBSTATUS } from './shippo.js';
export { ups, UPS_STATUS_CODE, UPS_STATUS_TYPE, UPS_TEST_TRACKING_PREFIX } from './ups.js';
export { FacilityMapError, REFUSAL_STATUS, WebhookNotConfiguredError, WebhookRefusedError } from './errors.js';
export { CARRIER_LOCATION_TAG, carrierLocationId, FacilityMap, type CarrierLocation } from './facilities.js';
export { isProviderName, PROVIDER_NAMES, type CarrierProvider, type CarrierWeight, type ProviderName } from './provider.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  headerLookup,
  MIN_SECRET_BYTES,
  secretProblem,
  PROVIDERS,
  providerNamed,
  receiveWebhook,
  type ReceivedWebhook,
  type ReceiverSettings,
  type WebhookRequest,
} from './receiver.js';
export { normaliseShipment, toEnvelope, type CarrierScan, type CarrierScanEnvelope, type SkippedEvent } from './scan.js';
