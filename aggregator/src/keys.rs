//! The batch-circuit key directory written by `zkagg setup` and read by `zkagg prove-batch`.
//!
//! | file                     | content                                                        |
//! |--------------------------|----------------------------------------------------------------|
//! | `batch-params.json`      | the circuit shape `{"transfers": K, "depth": D}`               |
//! | `batch.pk.bin`           | the Groth16 proving key, arkworks **uncompressed** binary      |
//! | `verification_key.json`  | the verifying key, snarkjs JSON                                |
//! | `verification_key.bin`   | the verifying key, arkworks compressed binary                  |
//!
//! The proving key is stored uncompressed and loaded without curve/subgroup validation: it is
//! large (tens of MB), decompressing and validating it would cost seconds, and it cannot affect
//! soundness: a corrupted proving key can only make the prover produce a proof that fails to
//! verify, and `prove-batch` verifies every proof it makes before writing it.

use std::fs;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use zkagg_core::batch::BatchParams;
use zkagg_core::formats::{binary, snarkjs};
use zkagg_core::{ProvingKey, VerifyingKey};

use crate::{Error, Result};

/// File names inside a key directory.
pub const PARAMS_FILE: &str = "batch-params.json";
/// Proving key file name.
pub const PROVING_KEY_FILE: &str = "batch.pk.bin";
/// Verifying key (snarkjs JSON) file name.
pub const VK_JSON_FILE: &str = "verification_key.json";
/// Verifying key (binary) file name.
pub const VK_BIN_FILE: &str = "verification_key.bin";

/// Read a whole file, naming it in the error.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| Error::io(path, e))
}

/// Write a whole file atomically (temporary file + rename), naming it in the error.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let result = (|| {
        let mut file = BufWriter::new(fs::File::create(&tmp)?);
        file.write_all(bytes)?;
        file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        fs::rename(&tmp, path)
    })();
    result.map_err(|e| Error::io(path, e))
}

/// A loaded key directory.
pub struct BatchKeys {
    /// Circuit shape.
    pub params: BatchParams,
    /// Proving key.
    pub proving_key: ProvingKey,
    /// Verifying key.
    pub verifying_key: VerifyingKey,
}

/// Write a key directory (creating it if needed).
pub fn save(dir: &Path, params: &BatchParams, pk: &ProvingKey) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let params_json = serde_json::to_string_pretty(params)
        .map_err(|e| Error::Keys(format!("cannot encode batch parameters: {e}")))?;
    write(&dir.join(PARAMS_FILE), params_json.as_bytes())?;
    let pk_path = dir.join(PROVING_KEY_FILE);
    let mut pk_bytes = Vec::with_capacity(pk.uncompressed_size());
    pk.serialize_uncompressed(&mut pk_bytes)
        .map_err(|e| Error::Keys(format!("cannot encode the proving key: {e}")))?;
    write(&pk_path, &pk_bytes)?;
    write(
        &dir.join(VK_JSON_FILE),
        snarkjs::verifying_key_to_string(&pk.vk).as_bytes(),
    )?;
    write(
        &dir.join(VK_BIN_FILE),
        &binary::verifying_key_to_bytes(&pk.vk),
    )?;
    Ok(())
}

/// Load a key directory and check that its parts belong together.
pub fn load(dir: &Path) -> Result<BatchKeys> {
    let params_path = dir.join(PARAMS_FILE);
    let params: BatchParams = serde_json::from_slice(&read(&params_path)?)
        .map_err(|e| Error::malformed(&params_path, zkagg_core::Error::Json(e.to_string())))?;
    params
        .validate()
        .map_err(|e| Error::malformed(&params_path, e))?;
    let vk_path = dir.join(VK_JSON_FILE);
    let verifying_key = snarkjs::parse_verifying_key(
        std::str::from_utf8(&read(&vk_path)?)
            .map_err(|e| Error::malformed(&vk_path, zkagg_core::Error::Json(e.to_string())))?,
    )
    .map_err(|e| Error::malformed(&vk_path, e))?;
    let pk_path: PathBuf = dir.join(PROVING_KEY_FILE);
    let file = fs::File::open(&pk_path).map_err(|e| Error::io(&pk_path, e))?;
    let proving_key =
        ProvingKey::deserialize_with_mode(BufReader::new(file), Compress::No, Validate::No)
            .map_err(|e| Error::malformed(&pk_path, zkagg_core::Error::binary("proving key", e)))?;
    if proving_key.vk != verifying_key {
        return Err(Error::Keys(format!(
            "{} and {} are from different setups",
            pk_path.display(),
            vk_path.display()
        )));
    }
    Ok(BatchKeys {
        params,
        proving_key,
        verifying_key,
    })
}
