// The local chain the aggregator service settles on in tests and the demo: Hardhat's in-process
// node, started with `npx hardhat --config scripts/chain/hardhat.config.cjs node`. Contracts are
// compiled by the project's own npm `solc` (no compiler download), so no `solidity` setting is
// used; each transaction is mined at once (automine).
module.exports = {
  solidity: "0.8.24",
  networks: { hardhat: { chainId: 31337 } },
};
