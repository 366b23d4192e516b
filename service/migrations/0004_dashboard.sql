-- What the operator dashboard measures: how long the native check of each decided submission
-- took, and, per settled round, the gas of ONE separate Groth16 verification of a batch proof on
-- the same chain (eth_estimateGas of the batch verifier contract), the cost the aggregate saves
-- N times over.
ALTER TABLE submissions ADD COLUMN verify_ms DOUBLE PRECISION;
CREATE INDEX submissions_created ON submissions (created_at);
ALTER TABLE rounds ADD COLUMN batch_verify_gas BIGINT;
