//! `__serve`: the process behind one clone service (started by the local provider).

use std::process::ExitCode;

use asym_clone_kit::ServeSettings;
use asym_contract::AsymError;

use crate::builtin;

pub fn run() -> ExitCode {
    asym_clone_kit::serve::init_tracing();
    let result = (|| -> Result<(), AsymError> {
        let settings = ServeSettings::from_env()?;
        let template = builtin::find(&settings.template)
            .ok_or_else(|| AsymError::TemplateNotFound { name: settings.template.clone(), suggestion: None })?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| AsymError::io("starting the async runtime", e))?;
        runtime.block_on(asym_clone_kit::serve(template, settings))
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The provider reads this line from the service log.
            eprintln!("error[{}]: {e}", e.code());
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
