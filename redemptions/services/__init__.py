"""The engine's state changes: validate, redeem, roll back, purge validations.

Modules: ``evaluation`` (what validate and redeem share: the request, the checks, the stacking engine's
verdict; read only), ``validation`` (validate), ``redemption`` (redeem), ``rollback`` and ``retention``.

Each call is one ``transaction.atomic()`` (not durable: the Idempotency-Key wrapper may run it inside
its own transaction). What a call guarantees:

- **Checks** per redeemable in the order of the platform's failure codes: exists, not active yet, expired, disabled,
  quantity (other sessions' locks included; the caller's own session and expired sessions count as free),
  gift balance (likewise), then the payload / order / customer shape, then the validation rules of the
  voucher, its campaign or the promotion tier. The first failing check is the redeemable's failure.
- **Stacking** by :func:`stacking.engine.evaluate_stack` under the installation's stacking rules.
- **Locks**: a redemption (and a validation that opens a LOCK session) locks the customer row (through
  ``upsert_customer``), then the vouchers it changes in primary-key order (``SELECT ... FOR UPDATE``), then
  session rows, and reads every fact it checks under those locks (the locks and the counter updates are
  the hand-written statements of ``campaigns.statements``). Counters change by relative updates
  (``redeemed_quantity + 1``, a session's locks with ``F()``); the database constraints (quantity, balance,
  locks) back every limit. Should one still refuse a write, the call's transaction is rolled back and the
  call runs again, failing with the matching code (``quantity_exceeded``, ``gift_amount_exceeded``) instead
  of a 500 (no savepoint on the common path).
- **Failures are kept**: a failed redemption stores one ``rf_`` row per redeemable and returns the error
  in its outcome instead of raising, so that the rows commit; the API answers the error afterwards.
  Errors in the request itself (too many redeemables, duplicates, an unknown customer id) raise DomainError
  before anything is written, and roll back whatever the call had started.
- **Audit**: every call writes its events in the same transaction (``voucher.validated``,
  ``redemption.created`` for a stacked parent, ``redemption.succeeded``, ``redemption.failed``,
  ``redemption.rollback.succeeded`` / ``.failed``, ``session.created`` / ``session.released``).

Decisions where the platform's documentation is silent:

- ALL mode failure: every redeemable sent gets an ``rf_`` row; the inapplicable ones carry their own code,
  the others (which only failed because of them) the code of the first inapplicable one. No parent row is
  written for a failed stacked call. PARTIAL mode stores ``rf_`` rows for the inapplicable ones only, and
  fails like ALL mode when nothing at all applies.
- A gift card without ``gift.credits`` takes its whole available balance, capped by what the order still
  costs after the discounts (the engine applies gift cards last); with no available balance it fails
  with ``gift_amount_exceeded``. A malformed ``gift`` (not an object, credits not a non-negative integer)
  is the redeemable's ``invalid_payload`` failure, stored like the others.
- Every redeemable needs the order amount (``missing_amount`` without an order, or without an amount
  and items to add it up from).
- A disabled promotion tier (or its campaign) fails with ``voucher_disabled``: the failure codes are the
  fifteen failure codes (stacking.checks), which have no code of their own for tiers.
- The tracking id is the one sent, else an opaque ``track_`` id (voucherhub.privacy.tracking_id_for: the
  same for every call of a customer, never their source id).
- A LOCK session is opened (or overridden) only when no redeemable is inapplicable; it locks the
  applicable vouchers (a skipped one is not locked; promotion tiers have nothing to lock) with the credits
  the engine took. Otherwise the session with that key is left as it was and the answer has no
  ``session``. A session key sent without ``type: LOCK`` still makes that session's own locks count as
  free for this call. Redeeming with a key releases every lock of the session, also on vouchers the call
  did not redeem (they are locked with the others, in pk order).
- Event types: a stacked parent writes ``redemption.created``; each redeemed child or single redemption
  ``redemption.succeeded``; each ``rf_`` attempt ``redemption.failed``.
- Order totals: ``discount_amount`` = ``total_discount_amount`` = what the latest successful call took
  (gift credits included, as the engine counts them); a validation stores its computed totals too, and
  keeps a stored order's status unless the request sends one.
"""
