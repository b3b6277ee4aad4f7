//! The `pacnet` binary: parses arguments and hands over to [`pacnet::cli`].

fn main() -> std::process::ExitCode {
    pacnet::cli::main()
}
