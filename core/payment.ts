/**
 * A payment provider, as the direct-booking saga sees it. Each call returns what its compensation
 * needs (the authorization reference to void).
 */
export interface PaymentProvider {
  readonly name: string;
  authorize(request: { token: string; amount: string; currency: string; reference: string }, signal: AbortSignal): Promise<PaymentAuthorization>;
  void(reference: string): Promise<void>;
}

export type PaymentAuthorization = { outcome: 'approved'; reference: string } | { outcome: 'declined'; reason: string };
