-- Rounds: accepted proofs of consecutive batches (rollup order), folded, compressed into one
-- Groth16 proof and settled on the rollup contract.
-- state: open | folding | compressing | submitting | settled | failed
CREATE TABLE rounds (
    id BIGINT PRIMARY KEY,
    state TEXT NOT NULL,
    first_batch BIGINT NOT NULL,
    last_batch BIGINT,                -- inclusive; fixed when the round closes
    opened_at BIGINT NOT NULL,
    closed_at BIGINT,
    fold_ms BIGINT,
    compress_ms BIGINT,
    old_root TEXT,                    -- the aggregate's statement (decimal strings)
    new_root TEXT,
    aggregate_proof TEXT,             -- the compressed proof (JSON), once made
    tx_hash TEXT,                     -- the settlement, signed and stored BEFORE it is broadcast
    raw_tx TEXT,
    gas_used BIGINT,
    block_number BIGINT,
    reason TEXT,                      -- why it failed
    updated_at BIGINT NOT NULL
);
CREATE INDEX rounds_state ON rounds (state);
-- No batch range settles twice: at most one settled round starts at a given batch.
CREATE UNIQUE INDEX rounds_settled_once ON rounds (first_batch) WHERE state = 'settled';

-- Transfers taken by POST /v1/transfers and not yet cut into a batch, in arrival order. The
-- batch that takes them is inserted in the same transaction that deletes them.
CREATE TABLE pending_transfers (
    seq BIGINT PRIMARY KEY,
    transfer TEXT NOT NULL,           -- JSON {from, to, amount, nonce}
    created_at BIGINT NOT NULL
);
