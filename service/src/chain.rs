//! Settlement on an Ethereum JSON-RPC node (alloy): the rollup contract is deployed once, and
//! each round's aggregate is sent to its `settle` as a locally signed EIP-1559 transaction.
//!
//! Crash safety comes from the caller's order of work: a transaction is signed here, stored
//! (hash and raw bytes) by the caller, and only then broadcast. After a crash the stored
//! transaction is looked up by its hash or broadcast again: the same bytes, the same nonce, so
//! it can be mined at most once, and a round never sends a second settlement while its first
//! one can still be mined.

use std::time::Duration;

use alloy::consensus::Transaction as _;
use alloy::eips::eip2718::Encodable2718;
use alloy::network::{EthereumWallet, NetworkTransactionBuilder, TransactionBuilder};
use alloy::primitives::{Address, Bytes, TxHash};
use alloy::providers::{Provider, RootProvider};
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;

use crate::{Error, Result};

/// A transaction signed and not yet known to be mined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedTx {
    /// Its hash (`0x` hex).
    pub hash: String,
    /// Its EIP-2718 encoding (`0x` hex), broadcast with `eth_sendRawTransaction`.
    pub raw: String,
    /// Its nonce.
    pub nonce: u64,
}

/// A mined transaction's receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// Whether it succeeded (status 1) or reverted (status 0).
    pub success: bool,
    /// Gas it used.
    pub gas_used: u64,
    /// The block it is in.
    pub block_number: u64,
    /// The contract it created, if it was a deployment.
    pub contract_address: Option<String>,
}

/// A connection to the chain with the service's signing key.
pub struct Chain {
    provider: RootProvider,
    wallet: EthereumWallet,
    from: Address,
    chain_id: u64,
}

fn chain_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Chain(format!("{what}: {e}"))
}

/// Parses a `0x`-prefixed address.
pub fn parse_address(text: &str) -> Result<Address> {
    text.parse::<Address>()
        .map_err(|e| Error::Config(format!("address {text:?}: {e}")))
}

fn parse_hash(text: &str) -> Result<TxHash> {
    text.parse::<TxHash>()
        .map_err(|e| Error::Store(format!("stored transaction hash {text:?}: {e}")))
}

fn decode_hex(text: &str) -> Result<Vec<u8>> {
    alloy::primitives::hex::decode(text)
        .map_err(|e| Error::Store(format!("stored transaction bytes: {e}")))
}

impl Chain {
    /// Connects to `rpc_url` (HTTP JSON-RPC) with the hex secp256k1 `private_key` that pays
    /// for and signs every transaction.
    pub async fn connect(rpc_url: &str, private_key: &str) -> Result<Self> {
        let url = rpc_url
            .parse()
            .map_err(|e| Error::Config(format!("chain RPC URL {rpc_url:?}: {e}")))?;
        let signer: PrivateKeySigner = private_key
            .trim()
            .parse()
            .map_err(|_| Error::Config("the chain key is not a hex secp256k1 secret".into()))?;
        let from = signer.address();
        let provider = RootProvider::new_http(url);
        let chain_id = provider
            .get_chain_id()
            .await
            .map_err(|e| chain_err(&format!("eth_chainId at {rpc_url}"), e))?;
        Ok(Self {
            provider,
            wallet: EthereumWallet::from(signer),
            from,
            chain_id,
        })
    }

    /// The signing account.
    pub fn account(&self) -> String {
        self.from.to_checksum(None)
    }

    /// The chain's id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    fn request(&self, to: Option<Address>, input: &[u8]) -> TransactionRequest {
        let tx = TransactionRequest::default()
            .with_from(self.from)
            .with_input(Bytes::copy_from_slice(input));
        match to {
            Some(to) => tx.with_to(to),
            None => tx.with_deploy_code(Bytes::copy_from_slice(input)),
        }
    }

    /// Runs the call without sending it (`eth_call` on the latest block): `Err` carries the
    /// node's revert message when it would revert.
    pub async fn simulate(
        &self,
        to: Address,
        input: &[u8],
    ) -> Result<std::result::Result<Vec<u8>, String>> {
        match self.provider.call(self.request(Some(to), input)).await {
            Ok(out) => Ok(Ok(out.to_vec())),
            Err(e) if e.is_error_resp() => Ok(Err(e.to_string())),
            Err(e) => Err(chain_err("eth_call", e)),
        }
    }

    /// Signs a transaction to `to` (a deployment when `None`) with the account's next nonce
    /// (pending block), the node's gas estimate plus a fifth, and its EIP-1559 fees.
    pub async fn sign(&self, to: Option<Address>, input: &[u8]) -> Result<SignedTx> {
        let nonce = self
            .provider
            .get_transaction_count(self.from)
            .pending()
            .await
            .map_err(|e| chain_err("eth_getTransactionCount", e))?;
        let request = self.request(to, input);
        let gas = self
            .provider
            .estimate_gas(request.clone())
            .await
            .map_err(|e| chain_err("eth_estimateGas", e))?;
        let fees = self
            .provider
            .estimate_eip1559_fees()
            .await
            .map_err(|e| chain_err("fee estimate", e))?;
        let envelope = request
            .with_nonce(nonce)
            .with_chain_id(self.chain_id)
            .with_gas_limit(gas + gas / 5)
            .with_max_fee_per_gas(fees.max_fee_per_gas)
            .with_max_priority_fee_per_gas(fees.max_priority_fee_per_gas)
            .build(&self.wallet)
            .await
            .map_err(|e| chain_err("signing", e))?;
        Ok(SignedTx {
            hash: format!("{:#x}", envelope.tx_hash()),
            raw: alloy::primitives::hex::encode_prefixed(envelope.encoded_2718()),
            nonce: envelope.nonce(),
        })
    }

    /// Broadcasts a signed transaction. Sending one the node already has (or has mined) is not
    /// an error: the caller then looks at its receipt.
    pub async fn broadcast(&self, raw: &str) -> Result<()> {
        let bytes = decode_hex(raw)?;
        match self.provider.send_raw_transaction(&bytes).await {
            Ok(_) => Ok(()),
            Err(e) => {
                let text = e.to_string().to_lowercase();
                if text.contains("already known")
                    || text.contains("known transaction")
                    || text.contains("already imported")
                    || text.contains("nonce too low")
                {
                    Ok(())
                } else {
                    Err(chain_err("eth_sendRawTransaction", e))
                }
            }
        }
    }

    /// The receipt of a transaction, if it is mined.
    pub async fn receipt(&self, hash: &str) -> Result<Option<Receipt>> {
        let receipt = self
            .provider
            .get_transaction_receipt(parse_hash(hash)?)
            .await
            .map_err(|e| chain_err("eth_getTransactionReceipt", e))?;
        Ok(receipt.map(|r| Receipt {
            success: r.status(),
            gas_used: r.gas_used,
            block_number: r.block_number.unwrap_or(0),
            contract_address: r.contract_address.map(|a| a.to_checksum(None)),
        }))
    }

    /// Polls for the receipt until it comes or `timeout` passes.
    pub async fn wait_receipt(&self, hash: &str, timeout: Duration) -> Result<Option<Receipt>> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(r) = self.receipt(hash).await? {
                return Ok(Some(r));
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Whether code is deployed at `address`.
    pub async fn has_code(&self, address: Address) -> Result<bool> {
        let code = self
            .provider
            .get_code_at(address)
            .await
            .map_err(|e| chain_err("eth_getCode", e))?;
        Ok(!code.is_empty())
    }
}
