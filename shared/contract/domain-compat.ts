/*
 * Compile-time guard: the contract's inferred types must be assignable to the
 * domain's plain types, so a schema change that the domain does not know
 * about fails `tsc` instead of failing in production.
 */
import type * as D from '../domain/types.js';
import type * as C from './inbound.js';

type Assignable<From, To> = From extends To ? true : never;

export type DomainCompat = [
  Assignable<C.ReturnAuthorizedDetail, D.ReturnAuthorization>,
  Assignable<C.CarrierScanDetail, D.CarrierScan>,
  Assignable<C.WarehouseReceiptDetail, D.WarehouseReceipt>,
  Assignable<C.RefundRequestedDetail, D.RefundRequest>,
  Assignable<C.ReviewDecidedDetail, D.DecisionFact>,
];
export const domainCompat: DomainCompat = [true, true, true, true, true];
