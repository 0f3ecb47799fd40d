# The two commands of the README. Both install what a fresh Debian machine
# lacks first (as root).
.PHONY: run test setup bench

setup:
	./scripts/setup.sh

# The service on the embedded default: SQLite under ./data, the shipped
# form definition, the sample scans in samples/ imported as one batch (a
# second run finds them already stored), and some synthetic web
# registrations; then the web pages, the worker and the drop folder.
run: setup
	PATH="$$HOME/.cargo/bin:$$PATH" cargo build --release
	./target/release/intake import samples --office vaasa
	./target/release/intake serve --demo 12

test: setup
	./scripts/test.sh

bench: setup
	PATH="$$HOME/.cargo/bin:$$PATH" cargo run --release -- bench submit --database sqlite --database postgres://postgres@127.0.0.1:5432/test
