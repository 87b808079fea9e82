// A CPU stand-in for the CUDA execution model, to run a kernel's source as C++ and check its results without a
// GPU: each thread block runs as blockDim.x OS threads (blocks one after another), __syncthreads is a barrier
// over the block, __shfl_xor_sync exchanges values within a warp of 32 through a buffer and barriers,
// __shared__ arrays are static (one block is live at a time), atomicAdd is an atomic add, __threadfence a fence
// and __ldcg a plain load. Only the features tocha's kernels use exist.
#pragma once
#include <atomic>
#include <barrier>
#include <cmath>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

using namespace std;

struct Dim3 {
    unsigned x = 1, y = 1, z = 1;
};
inline thread_local Dim3 threadIdx, blockIdx;
inline Dim3 blockDim, gridDim;

#define __global__
#define __device__
#define __forceinline__ inline
#define __restrict__ __restrict
#define __shared__ static

inline std::barrier<>* emulator_block_barrier = nullptr;
inline std::vector<std::unique_ptr<std::barrier<>>> emulator_warp_barriers;
inline std::vector<std::vector<double>> emulator_warp_values;

inline void __syncthreads() { emulator_block_barrier->arrive_and_wait(); }

template <typename T> T __shfl_xor_sync(unsigned, T value, int offset) {
    const unsigned warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    emulator_warp_barriers[warp]->arrive_and_wait();  // the previous exchange has been read
    emulator_warp_values[warp][lane] = static_cast<double>(value);
    emulator_warp_barriers[warp]->arrive_and_wait();
    return static_cast<T>(emulator_warp_values[warp][lane ^ static_cast<unsigned>(offset)]);
}

inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }

inline unsigned int atomicAdd(unsigned int* address, unsigned int value) {
    return std::atomic_ref<unsigned int>(*address).fetch_add(value);
}

template <typename T> T __ldcg(const T* address) { return *address; }

inline float __int_as_float(int bits) {
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

inline double __longlong_as_double(long long bits) {
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
}

// Run kernel(args...) over `grid` blocks of `block` threads (block a multiple of 32).
template <typename Kernel, typename... Args> void emulate_launch(unsigned grid, unsigned block, Kernel kernel, Args... args) {
    gridDim.x = grid;
    blockDim.x = block;
    for (unsigned b = 0; b < grid; ++b) {
        std::barrier<> block_barrier(block);
        emulator_block_barrier = &block_barrier;
        emulator_warp_barriers.clear();
        emulator_warp_values.assign(block / 32, std::vector<double>(32));
        for (unsigned w = 0; w < block / 32; ++w) emulator_warp_barriers.push_back(std::make_unique<std::barrier<>>(32));
        std::vector<std::thread> threads;
        threads.reserve(block);
        for (unsigned t = 0; t < block; ++t)
            threads.emplace_back([=] {
                threadIdx.x = t;
                blockIdx.x = b;
                kernel(args...);
            });
        for (auto& thread : threads) thread.join();
    }
}
