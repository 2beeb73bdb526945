// storage/f32le.h
//
// float32 values as little-endian bytes, the layout of every float BLOB in a memnet file
// (docs/storage-format.md). On a little-endian host the bytes are the floats' own.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <vector>

namespace memnet::storage {

inline std::uint32_t byte_swap32(std::uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xFF00u) | ((v << 8) & 0xFF0000u) | (v << 24);
}

// Bytes of `n` floats: `values` itself on a little-endian host (no copy), else `buffer`.
inline const void* f32le_bytes(const float* values, std::size_t n,
                               std::vector<std::uint32_t>& buffer) {
  if constexpr (std::endian::native == std::endian::little) {
    return values;
  } else {
    buffer.resize(n);
    for (std::size_t i = 0; i < n; ++i)
      buffer[i] = byte_swap32(std::bit_cast<std::uint32_t>(values[i]));
    return buffer.data();
  }
}

// Reads `n` floats from 4n little-endian bytes.
inline void read_f32le(const void* bytes, std::size_t n, float* out) {
  if (n > 0) std::memcpy(out, bytes, n * sizeof(float));
  if constexpr (std::endian::native != std::endian::little) {
    for (std::size_t i = 0; i < n; ++i)
      out[i] = std::bit_cast<float>(byte_swap32(std::bit_cast<std::uint32_t>(out[i])));
  }
}

}  // namespace memnet::storage
