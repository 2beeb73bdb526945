// core/dialog_service.h
//
// Dialogs stored in a memnet file, for `memnet serve` (POST /v1/dialogs, .../turns). A dialog
// is a story whose facts are its utterances (storage/dialog_store.h), each embedded once per
// hop with the dialog's model when it is added, as story facts are; a turn answers from the
// stored embeddings of the window (engine::answer_from_memory), and gives the same floats as
// core::DialogSession on the same history. The match-type features read the words of the
// whole dialog, not only of the window.
//
// Threading: every member function is safe to call from many threads; turns run one at a
// time (one SQLite connection, behind a mutex), which keeps a dialog's turns in order.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/dialog_session.h"

namespace memnet::core {

struct DialogRecord {
  std::int64_t id = 0;
  std::string model;
  std::int64_t utterances = 0;
  std::string created_at;
};

struct StoredUtterance {
  std::int64_t index = 0;  // 0 = first
  std::int64_t fact_id = 0;
  std::string speaker;  // "user", "bot", "api"
  std::string text;
};

struct TurnResult {
  DialogReply reply;
  std::vector<StoredUtterance> added;  // the user's utterance, the bot's, API results
};

class DialogService {
 public:
  // Opens (creating and migrating) `db_path`. Throws storage::StorageError. With
  // max_stories > 0, create() refuses (StorageError kLimit) once the file holds that many
  // stories, dialogs included.
  explicit DialogService(const std::string& db_path, std::int64_t max_stories = 0);
  ~DialogService();
  DialogService(const DialogService&) = delete;
  DialogService& operator=(const DialogService&) = delete;

  // The file's dialog models by name.
  std::vector<std::string> models();

  // Starts a dialog with model `model` ("" = the file's only dialog model). Throws
  // NotFound("model") for no such model, InvalidInput("model") for a model that is not a
  // dialog model or when "" cannot pick one.
  DialogRecord create(const std::string& model);
  std::optional<DialogRecord> find(std::int64_t id);
  // The dialog's utterances in order. Throws NotFound.
  std::vector<StoredUtterance> history(std::int64_t id);

  // The bot's reply to `user` ("" = silence); `top` candidates ranked. Throws NotFound (no
  // such dialog), InvalidInput("model") when the dialog's model was deleted, InvalidInput
  // ("user") for text over 10,000 bytes or not UTF-8. Stores the utterances in one
  // transaction; nothing is stored when it throws.
  TurnResult turn(std::int64_t id, const std::string& user, int top = 5);

  // Appends an API result line (what a real backend returned). Throws as turn().
  StoredUtterance add_api_result(std::int64_t id, const std::string& line);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace memnet::core
