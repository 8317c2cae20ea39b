//! `asym`: the short name of `asymmetric`.
fn main() -> std::process::ExitCode {
    asym_cli::main()
}
