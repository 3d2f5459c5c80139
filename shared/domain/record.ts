import { InvariantViolationError } from './errors.js';
import { belongsToParcel, deliveredScans } from './matching.js';
import { onDecision, onReceiptByFlaggedEmployee, onRefundRequest } from './rules/index.js';
import { hasDecision, hasPeer, hasRefundRequest, hasScan, isUndecided, receiptById } from './state.js';
import type { ReturnCommand, ReturnEvent, ReturnState } from './types.js';

/**
 * A command's fact, recorded once: the events that put it into the state,
 * plus what its arrival alone triggers (R2, R5, R7). `null` when the command
 * changes nothing: its fact is already recorded (a redelivery, R8; whether
 * the detail is the same is the id ledger's business, not the return's), or
 * it does not bear on the rules (a scan that is not DELIVERED or not this
 * parcel's).
 */
export function recordFact(command: ReturnCommand, state: ReturnState): ReturnEvent[] | null {
  switch (command.type) {
    case 'Tick':
      return [];

    case 'AuthorizeReturn': {
      const auth = command.authorization;
      assertReturn(state, auth.returnId);
      if (state.authorization !== null) return null;
      const scans = deliveredScans(command.scans).filter((scan) => belongsToParcel(scan, auth) && !hasScan(state, scan.scanId));
      const peers = (command.peers ?? []).filter((peer) => peer.returnId !== auth.returnId && !hasPeer(state, peer.returnId));
      return [
        { type: 'ReturnAuthorized', authorization: auth },
        ...scans.map((scan): ReturnEvent => ({ type: 'ScanRecorded', scan })),
        ...peers.map((peer): ReturnEvent => ({ type: 'ParcelPeerRecorded', peer })),
      ];
    }

    case 'LinkParcelPeer': {
      // v1.2: a release or denial is final, so a decided return needs no new peer (and is never reopened).
      const { peer } = command;
      if (peer.returnId === state.returnId || hasPeer(state, peer.returnId) || !isUndecided(state)) return null;
      return [{ type: 'ParcelPeerRecorded', peer }];
    }

    case 'RecordScan': {
      const { scan } = command;
      // Only DELIVERED scans of this return's parcel bear on the rules (§2).
      if (hasScan(state, scan.scanId) || scan.status !== 'DELIVERED') return null;
      if (state.authorization && !belongsToParcel(scan, state.authorization)) return null;
      return [{ type: 'ScanRecorded', scan }];
    }

    case 'RecordReceipt': {
      const { receipt } = command;
      assertReturn(state, receipt.returnId);
      if (receiptById(state, receipt.receiptId)) return null;
      return [{ type: 'ReceiptRecorded', receipt }, ...onReceiptByFlaggedEmployee(state, receipt, command.employeeFlag)];
    }

    case 'RequestRefund': {
      const { request } = command;
      assertReturn(state, request.returnId);
      if (hasRefundRequest(state, request.refundId)) return null;
      return onRefundRequest(state, request);
    }

    case 'DecideReview': {
      const { decision } = command;
      assertReturn(state, decision.returnId);
      if (hasDecision(state, decision.decisionId)) return null;
      return onDecision(state, decision);
    }
  }
}

function assertReturn(state: ReturnState, returnId: string): void {
  if (returnId !== state.returnId) {
    throw new InvariantViolationError(`command for return ${returnId} sent to ${state.returnId}`, { context: { returnId, stateReturnId: state.returnId } });
  }
}
