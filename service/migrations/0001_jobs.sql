-- The service's durable state: the sequencer's batches, one proving job per batch, every
-- submission (stored before its verdict is returned) and an append-only event log of every
-- state change. Portable SQL (TEXT, BIGINT, DOUBLE PRECISION; no AUTOINCREMENT) so that the
-- PostgreSQL back end shares this file.

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per batch the sequencer cut, in rollup order (batch i's old_root is batch i-1's new_root).
CREATE TABLE batches (
    batch_index BIGINT PRIMARY KEY,
    old_root TEXT NOT NULL,
    new_root TEXT NOT NULL,
    tx_commitment TEXT NOT NULL,
    transfers TEXT NOT NULL,          -- JSON: replayed on start to rebuild the account tree
    witness_sha256 TEXT NOT NULL,     -- the witness artifact a volunteer proves from
    created_at BIGINT NOT NULL
);

-- state: queued | leased | verifying | accepted | failed
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    batch_index BIGINT NOT NULL UNIQUE REFERENCES batches (batch_index),
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    lease_id TEXT,
    leased_by TEXT,
    lease_expires_at BIGINT,
    progress DOUBLE PRECISION,
    accepted_submission TEXT,
    last_reason TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX jobs_state ON jobs (state, batch_index);

-- id = sha256(job id || canonical proof bytes): the same proof twice is one submission.
-- verdict: pending | accepted | rejected
CREATE TABLE submissions (
    id TEXT PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES jobs (id),
    lease_id TEXT NOT NULL,
    proof TEXT NOT NULL,              -- snarkjs JSON
    public_inputs TEXT NOT NULL,      -- JSON array of decimal strings
    verdict TEXT NOT NULL,
    reason TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX submissions_job ON submissions (job_id);

CREATE TABLE artifacts (
    sha256 TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE events (
    job_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT,
    at BIGINT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
