# The two commands of the README. Both install what a fresh Debian machine
# lacks first (as root).
.PHONY: run test setup bench

setup:
	./scripts/setup.sh

# The service on the embedded default: SQLite under ./data, the shipped
# form definition, the sample scans in samples/ imported as one batch (a
# second run finds them already stored), and some synthetic web
# registrations, and three demo staff accounts (local demo only: the
# password is printed here); then the web pages, the worker and the drop
# folder.
DEMO_PASSWORD = demo-password-not-secret
# The scans only: not the README, index or truth files beside them.
SAMPLE_SCANS = $(wildcard samples/*.jpg samples/*.png samples/*.pdf samples/*.tif)
run: setup
	PATH="$$HOME/.cargo/bin:$$PATH" cargo build --release
	for role in mailroom caseworker admin; do \
	  echo "$(DEMO_PASSWORD)" | ./target/release/intake user add "demo-$$role" --role $$role --password-stdin 2>/dev/null \
	    && echo "staff account demo-$$role, password $(DEMO_PASSWORD)" || true; \
	done
	./target/release/intake import $(SAMPLE_SCANS) --office vaasa
	./target/release/intake serve --demo 12

test: setup
	./scripts/test.sh

bench: setup
	PATH="$$HOME/.cargo/bin:$$PATH" cargo run --release -- bench submit --database sqlite --database postgres://postgres@127.0.0.1:5432/test
