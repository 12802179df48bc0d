// centinela run: the streaming service (DESIGN.md section 3, CLI).
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <future>
#include <sstream>
#include <thread>

#include "app/commands.h"
#include "app/flags.h"
#include "app/signals.h"
#include "common/log.h"
#include "config/config.h"
#include "pipeline/engine_holder.h"
#include "pipeline/pack_reloader.h"
#include "pipeline/scanner.h"
#include "rules/matcher.h"

namespace centinela::app {
namespace {

constexpr const char* kRunUsage =
    "usage: centinela run [--config FILE] [--role scan[,notify,review]]\n"
    "  --config  service configuration (default config/centinela.yaml); the environment\n"
    "            (CENTINELA_KAFKA_BROKERS, CENTINELA_REDIS_URL, CENTINELA_HTTP_ADDR) overrides it\n"
    "  --role    which roles this process runs (default: every role this build has: scan)\n";

}  // namespace

Result<std::shared_ptr<pipeline::EngineHolder>> LoadEngines(const config::Config& config) {
  using Loaded = Result<std::shared_ptr<pipeline::EngineHolder>>;
  auto done = std::make_shared<std::promise<Loaded>>();
  std::future<Loaded> loaded = done->get_future();
  spdlog::info("loading the rule pack {}", config.scan.rules.string());
  std::thread compile([rules = config.scan.rules, done] {
    try {
      rules::EngineOptions options;
      options.cache_dir = rules::DefaultCacheDir();
      options.measure_costs = false;
      auto holder = std::make_shared<pipeline::EngineHolder>(rules, options);
      if (Status s = holder->Reload(); !s.ok()) {
        done->set_value(Error{"rule pack refused: " + s.message()});
      } else {
        done->set_value(std::move(holder));
      }
    } catch (const std::exception& e) {
      done->set_value(Error{std::string("rule pack not loaded: ") + e.what()});
    }
  });
  bool reload_asked = false;
  while (loaded.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    const int sig = WaitForSignal(std::chrono::milliseconds(50));
    reload_asked = reload_asked || sig == SIGHUP;
    if (sig == SIGINT || sig == SIGTERM) {
      // A Hyperscan compile cannot be cancelled, and nothing else runs yet: leave it.
      spdlog::info("stopping on signal {} while loading the rule pack", sig);
      spdlog::default_logger()->flush();
      std::fflush(stdout);
      std::fflush(stderr);
      std::_Exit(0);
    }
  }
  compile.join();
  // A SIGHUP taken here may have come after the files were read: send it again for the service's
  // control thread (the signals stay blocked, so it waits until then).
  if (reload_asked) kill(getpid(), SIGHUP);
  return loaded.get();
}

int RunScanner(const config::Config& config, std::shared_ptr<pipeline::EngineHolder> engines,
               const std::function<void(pipeline::Scanner&)>& on_started,
               const std::function<void()>& on_stopped) {
  auto scanner = pipeline::Scanner::Create(config, engines);
  if (!scanner.ok()) {
    spdlog::error("{}", scanner.error().message);
    return 2;
  }
  std::atomic<bool> done{false};
  // Reloads compile in the reloader's thread, so this one answers SIGINT and SIGTERM at once.
  pipeline::PackReloader reloader(engines, config.scan.watch_rules,
                                  std::chrono::milliseconds(config.scan.watch_interval_ms));
  std::thread control([&] {
    while (!done.load()) {
      const int sig = WaitForSignal(std::chrono::milliseconds(100));
      if (sig == SIGINT || sig == SIGTERM) {
        spdlog::info("stopping on signal {}: draining in-flight work", sig);
        (*scanner)->Stop();
      } else if (sig == SIGHUP) {
        reloader.Request();
      }
    }
  });
  if (on_started) on_started(**scanner);
  const Status status = (*scanner)->Run();
  done.store(true);
  control.join();
  if (on_stopped) on_stopped();
  if (!status.ok()) {
    spdlog::error("scanner stopped on an error: {}", status.message());
    return 1;
  }
  return 0;
}

int RunCommand(const Args& args) {
  ParsedFlags flags;
  if (auto err = ParseFlags(args, {"config", "role"}, {"help"}, &flags);
      err || !flags.positional.empty()) {
    std::fprintf(stderr, "centinela run: %s\n%s", err ? err->c_str() : "unexpected argument",
                 kRunUsage);
    return 2;
  }
  if (flags.Has("help")) {
    std::fputs(kRunUsage, stdout);
    return 0;
  }
  std::stringstream roles(flags.Get("role").value_or("scan"));
  for (std::string role; std::getline(roles, role, ',');) {
    if (role == "scan") continue;
    if (role == "notify" || role == "review") {
      std::fprintf(stderr, "centinela run: role '%s' is not in this build yet (built: scan)\n",
                   role.c_str());
    } else {
      std::fprintf(stderr, "centinela run: unknown role '%s'\n%s", role.c_str(), kRunUsage);
    }
    return 2;
  }
  const std::string file = flags.Get("config").value_or(DefaultServiceConfig());
  auto config = LoadServiceConfig(file);
  if (!config.ok()) {
    std::fprintf(stderr, "centinela run: %s\n", config.error().message.c_str());
    return 2;
  }
  if (!std::getenv("CENTINELA_LOG_LEVEL")) {  // the environment wins, as for the other settings
    centinela::SetLogLevel(config->log_level);
  }
  auto engines = LoadEngines(*config);
  if (!engines.ok()) {
    std::fprintf(stderr, "centinela run: %s\n", engines.error().message.c_str());
    return 2;
  }
  spdlog::info("configuration {}: brokers {}", file, config->kafka.brokers);
  return RunScanner(*config, *engines, nullptr);
}

}  // namespace centinela::app
