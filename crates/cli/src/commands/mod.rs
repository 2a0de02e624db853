//! One module per top-level command.

#[cfg(feature = "demo")]
pub mod demo;
#[cfg(not(feature = "demo"))]
pub mod demo {
    //! Stand-in for `cohortsync demo` in builds without the `demo` feature.
    use std::process::ExitCode;

    use crate::args::DemoArgs;
    use crate::failure::Failure;

    pub async fn run(_args: DemoArgs) -> Result<ExitCode, Failure> {
        Err(Failure::usage(anyhow::anyhow!(
            "this build has no demo; rebuild with the default features to get `cohortsync demo`"
        )))
    }
}
pub mod cohorts;
pub mod destinations;
pub mod export;
pub mod runs;
