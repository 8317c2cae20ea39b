fn main() -> std::process::ExitCode {
    asym_cli::main()
}
