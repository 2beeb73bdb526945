// The cluster of docs/scaling.md through a real nginx on loopback: scripts/cluster-demo.sh
// starts three `memnet serve` shards and nginx; the HTTP contract holds through the proxy,
// and when one shard dies the others keep answering while its keys get 503, never a wrong
// answer. Reported as skipped where nginx is not installed.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/run_memnet.h"
#include "tests/server/http_client.h"
#include "tests/test_data.h"

extern char** environ;

namespace {

using memnet::test::HttpClient;
using memnet::testing::run_memnet;
using nlohmann::json;
namespace fs = std::filesystem;

const std::string kJson = "application/json";

std::string nginx_missing() {
  for (const char* p : {"/usr/sbin/nginx", "/usr/bin/nginx"}) {
    if (access(p, X_OK) == 0) return "";
  }
  return "nginx is not installed (scripts/setup.sh installs Debian's package)";
}

std::uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// scripts/cluster-demo.sh as a child process, with the shards it printed.
class Cluster {
 public:
  Cluster(const std::string& model, const fs::path& dir, std::uint16_t port) {
    const std::string script = std::string(MEMNET_SOURCE_DIR) + "/scripts/cluster-demo.sh";
    const std::string port_env = fmt::format("PORT={}", port);
    const std::string memnet_env = std::string("MEMNET=") + MEMNET_BINARY;
    std::vector<std::string> env_strings = {port_env, memnet_env};
    for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = {"/bin/bash", script, model, dir.string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    REQUIRE(posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data()) == 0);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_ = fds[0];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (log_.find("cluster: http://") == std::string::npos) {
      REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "no cluster line: " << log_);
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char buf[1024];
      const ssize_t n = read(out_, buf, sizeof buf);
      REQUIRE_MESSAGE(n > 0, "cluster-demo.sh exited: " << log_);
      log_.append(buf, static_cast<std::size_t>(n));
    }
    // "shard N: pid PID port P file F"
    std::size_t at = 0;
    while ((at = log_.find("shard ", at)) != std::string::npos) {
      int n = 0, pid = 0, p = 0;
      if (std::sscanf(log_.c_str() + at, "shard %d: pid %d port %d", &n, &pid, &p) == 3) {
        shard_pid_[fmt::format("127.0.0.1:{}", p)] = pid;
      }
      ++at;
    }
  }
  ~Cluster() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    close(out_);
  }
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  const std::map<std::string, int>& shards() const { return shard_pid_; }  // address -> pid
  const std::string& log() const { return log_; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string log_;
  std::map<std::string, int> shard_pid_;
};

}  // namespace

const std::string kCluster = "cluster e2e: three shards behind nginx; one dies, the rest answer";
TEST_CASE(kCluster.c_str() * doctest::skip(memnet::testing::skip_if(!nginx_missing().empty(),
                                                                    kCluster, nginx_missing()))) {
  const fs::path dir = memnet::testing::temp_dir("cluster");
  const std::string model = (dir / "model.db").string();
  {
    const auto t = run_memnet(fmt::format(
        "train --data {}/data/demo --task 1 --model {} --epochs 10 --ls-epochs 5 --repeats 1",
        MEMNET_SOURCE_DIR, model));
    INFO(t.out);
    REQUIRE(t.status == 0);
  }
  const std::uint16_t port = free_port();
  Cluster cluster(model, dir / "cluster", port);
  INFO(cluster.log());
  REQUIRE(cluster.shards().size() == 3);

  // The contract through the proxy, for keys spread over the shards.
  HttpClient client(port);
  std::map<std::string, std::string> shard_of;  // key -> shard address
  std::map<std::string, std::int64_t> story_of;
  for (int i = 0; i < 12; ++i) {
    const std::string key = fmt::format("user-{}", i);
    const auto created = client.post("/k/" + key + "/v1/stories", R"({"name": "cluster"})", kJson);
    REQUIRE(created.status == 201);
    shard_of[key] = created.header("X-Memnet-Shard");
    story_of[key] = json::parse(created.body)["id"];
    CHECK(created.header("Location") == fmt::format("/k/{}/v1/stories/{}", key, story_of[key]));
    const std::string base = fmt::format("/k/{}/v1/stories/{}", key, story_of[key]);
    const std::string place = i % 2 ? "kitchen" : "garden";
    REQUIRE(
        client
            .post(base + "/facts", json{{"fact", "Mary went to the " + place + "."}}.dump(), kJson)
            .status == 201);
    const auto answer = client.post(base + "/ask", R"({"question": "Where is Mary?"})", kJson);
    REQUIRE(answer.status == 200);
    CHECK(json::parse(answer.body)["answer"] == place);
    CHECK(answer.header("X-Request-Id").size() > 0);  // nginx's $request_id, passed through
    // Errors keep their JSON through the proxy.
    const auto bad = client.post(base + "/ask", R"({"question": 7})", kJson);
    CHECK(bad.status == 422);
    CHECK(json::parse(bad.body)["error"]["field"] == "question");
  }
  std::set<std::string> used;
  for (const auto& [key, shard] : shard_of) used.insert(shard);
  CHECK(used.size() >= 2);                         // 12 keys over 3 shards
  CHECK(client.get("/v1/stories").status == 404);  // no key, no shard

  // One shard dies (kill -9).
  const std::string dead = shard_of["user-0"];
  REQUIRE(cluster.shards().count(dead) == 1);
  kill(cluster.shards().at(dead), SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  int unavailable = 0, answered = 0;
  for (int i = 0; i < 12; ++i) {
    const std::string key = fmt::format("user-{}", i);
    const std::string base = fmt::format("/k/{}/v1/stories/{}", key, story_of[key]);
    HttpClient fresh(port);
    const auto r = fresh.post(base + "/ask", R"({"question": "Where is Mary?"})", kJson);
    CAPTURE(key);
    CAPTURE(r.body);
    if (shard_of[key] == dead) {
      CHECK(r.status == 503);
      CHECK(r.header("Retry-After") == "5");
      CHECK(json::parse(r.body)["error"]["code"] == "shard_unavailable");
      ++unavailable;
    } else {
      CHECK(r.status == 200);
      CHECK(json::parse(r.body)["answer"] == (i % 2 ? "kitchen" : "garden"));
      ++answered;
    }
  }
  CHECK(unavailable >= 1);
  CHECK(answered >= 1);
}
