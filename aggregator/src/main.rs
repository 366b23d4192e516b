//! `zkagg`: the project's command line. See `zkagg --help`.

fn main() {
    std::process::exit(zkagg_aggregator::cli::main());
}
