# PatrolIQ: one place for the set-up steps the README's quick start runs.
SWIFT ?= swift
APT_PACKAGES = pkg-config libpng-dev libsqlite3-dev zlib1g-dev libdeflate-dev libjs-leaflet libjs-chart.js
BIN = .build/release/patroliq
DEMO_ROWS ?= 200000
WORKSPACE ?= workspace.sqlite
PORT ?= 8080

.PHONY: deps build demo test bench clean

## Install the Debian packages the build needs (skips apt when all are present).
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

## The release build: Swift's runtime and Foundation linked statically start each command about 10 ms
## sooner than the shared libraries would.
build: deps
	$(SWIFT) build -c release --static-swift-stdlib --product patroliq

## The main job, end to end on generated demo data.
demo: build
	$(BIN) generate --rows $(DEMO_ROWS) --seed 42 --out data/demo.csv
	$(BIN) ingest data/demo.csv --workspace $(WORKSPACE)
	$(BIN) stats --workspace $(WORKSPACE)
	$(BIN) cluster --workspace $(WORKSPACE)
	$(BIN) runs list --workspace $(WORKSPACE)
	$(BIN) tiles --workspace $(WORKSPACE) --layer standard --maxzoom 15 --dir tiles
	$(BIN) tiles --workspace $(WORKSPACE) --layer all --maxzoom 16 --dir tiles
	$(BIN) tiles --workspace $(WORKSPACE) --layer all --maxzoom 15 --scale 2 --dir tiles
	$(BIN) export --workspace $(WORKSPACE) --out geojson --gpkg geojson/patroliq.gpkg
	$(BIN) hotspots --workspace $(WORKSPACE) --out geojson --tiles tiles
	$(BIN) backtest --workspace $(WORKSPACE) --max-folds 26
	$(BIN) plan --workspace $(WORKSPACE) --day fri --hours 22-6 --cells 20 --geojson geojson/plan_fri_night.geojson --csv data/plan_fri_night.csv
	$(BIN) serve --workspace $(WORKSPACE) --tiles tiles --geojson geojson --web web --port $(PORT)

## The test suite (what CI runs): unit and property tests, the command-line checks, the dashboard in
## headless Chromium (skipped with a message when Chromium is absent, required in CI), and a short
## kill -9 crash-safety run (Tests/crash/run.sh does 50 kills per stage by default).
test: deps
	$(SWIFT) test
	Tests/cli/run.sh
	Tests/browser/run.sh
	KILLS=5 ROWS=50000 Tests/crash/run.sh

bench: build
	bench/ingest.sh
	bench/cluster.sh
	bench/tiles.sh
	bench/serve.sh

clean:
	rm -rf .build data/demo.csv $(WORKSPACE)
