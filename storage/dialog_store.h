// storage/dialog_store.h
//
// Dialogs in a memnet file: a dialog is a story (storage/memory_store.h) whose facts are its
// utterances in order (tokens: the speaker word, then the words), marked in the `dialogs`
// table, with the dialog model as the story's model. Facts, embeddings and deletion are the
// story's (delete_story removes a dialog too).
//
// Threading: as Database, one connection per thread.
#pragma once

#include <cstdint>
#include <string>

#include "storage/database.h"

namespace memnet::storage {

// Creates an empty dialog with the dialog model `model` in one transaction; returns its id
// (a story id). Throws StorageError; kLimit as create_story (memory_store.h) with
// max_stories > 0.
std::int64_t create_dialog(Database& db, const std::string& model, std::int64_t max_stories = 0);

// True when story `id` exists and is a dialog.
bool is_dialog(Database& db, std::int64_t id);

}  // namespace memnet::storage
