#include "data/loader.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "data/parallel.h"
#include "data/sample_renderer.h"
#include "data/sampler.h"

namespace autospace::data {

namespace {

struct Slot {
  std::int64_t step = -1;
  Tensor images, labels;
  std::vector<std::int64_t> indices;
  std::vector<std::uint8_t> bad;  // per row
  std::vector<BadFile> bad_info;  // per row, meaningful where bad
  std::int64_t remaining = 0;     // rows not yet rendered
};

void print_bad_file(const BadFile& f) { std::fprintf(stderr, "autospace data: bad file %s: %s\n", f.source.c_str(), f.reason.c_str()); }

}  // namespace

struct Loader::Impl {
  std::shared_ptr<const Dataset> dataset;
  LoaderOptions options;
  Sampler sampler;
  int num_threads = 1;
  std::size_t image_bytes = 0;
  std::vector<Slot> slots;
  std::vector<std::unique_ptr<SampleRenderer>> renderers;  // one per worker
  std::vector<std::thread> workers;

  // Everything below is guarded by `mutex`.
  std::mutex mutex;
  std::condition_variable work_cv;  // workers: a task or stop
  std::condition_variable done_cv;  // consumer: a slot finished, or the pool went idle
  bool stop = false;
  bool started = false;
  std::uint64_t generation = 0;  // bumped by start_epoch; stale results are ignored
  std::uint32_t epoch = 0;
  std::int64_t end_step = 0;     // steps >= end_step are not produced
  std::int64_t delivered = 0;    // next step next() returns
  std::int64_t task_step = 0, task_pos = 0;  // next row to hand to a worker
  int in_flight = 0;
  std::exception_ptr worker_error;
  EpochStats stats;
  bool epoch_reported = false;

  Impl(std::shared_ptr<const Dataset> ds, LoaderOptions opts)
      : dataset(std::move(ds)),
        options(std::move(opts)),
        sampler(dataset->size(), {options.seed, options.shuffle, options.batch_size, options.drop_last, options.rank,
                                  options.world}) {
    options.transform.validate();
    if (options.prefetch_batches < 1) AUTOSPACE_THROW("prefetch_batches must be >= 1, got ", options.prefetch_batches);
    if (!options.allocator)
      options.allocator = [](const Shape& shape, DType dtype) { return Tensor::empty(shape, dtype); };
    if (!options.on_bad_file) options.on_bad_file = print_bad_file;
    num_threads = resolve_threads(options.threads);
    image_bytes = static_cast<std::size_t>(options.transform.size) * options.transform.size * 3;
    slots.resize(static_cast<std::size_t>(options.prefetch_batches));
    for (int t = 0; t < num_threads; ++t)
      renderers.push_back(std::make_unique<SampleRenderer>(options.transform, options.limits));
    for (int t = 0; t < num_threads; ++t) workers.emplace_back([this, t] { worker_main(*renderers[t]); });
  }

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    work_cv.notify_all();
    for (std::thread& t : workers) t.join();
  }

  Slot& slot_of(std::int64_t step) { return slots[static_cast<std::size_t>(step % options.prefetch_batches)]; }

  std::int64_t task_limit() const { return std::min(end_step, delivered + options.prefetch_batches); }

  // Moves the task cursor past finished slots; true when a row is ready to be handed out.
  bool has_task() {
    while (task_step < task_limit() && task_pos >= static_cast<std::int64_t>(slot_of(task_step).indices.size())) {
      ++task_step;
      task_pos = 0;
    }
    return task_step < task_limit();
  }

  void prepare(std::int64_t step) {
    Slot& slot = slot_of(step);
    const std::int64_t b = options.batch_size;
    const std::int64_t size = options.transform.size;
    slot.step = step;
    slot.images = options.allocator({b, size, size, 3}, DType::u8);
    slot.labels = options.allocator({b}, DType::i64);
    slot.indices = sampler.batch(step);
    slot.bad.assign(slot.indices.size(), 0);
    slot.bad_info.resize(slot.indices.size());
    slot.remaining = static_cast<std::int64_t>(slot.indices.size());
  }

  void render(Slot& slot, std::int64_t pos, std::uint32_t ep, SampleRenderer& renderer, SampleData& sample) {
    const std::int64_t index = slot.indices[pos];
    const auto i = static_cast<std::size_t>(index);
    slot.labels.data<std::int64_t>()[pos] = dataset->label(i);
    std::uint8_t* dst = slot.images.data<std::uint8_t>() + image_bytes * pos;
    const RngKey key{options.seed, RngPurpose::augmentation, ep, static_cast<std::uint32_t>(index)};
    try {
      dataset->load(i, sample);
      if (sample.encoded()) {
        renderer.render_jpeg(sample.bytes, key, dst);
      } else {
        renderer.render_pixels(sample.pixels, key, dst);
      }
    } catch (const BadImage& e) {
      slot.bad[pos] = 1;
      slot.bad_info[pos] = {dataset->source(i), index, e.kind(), e.what()};
    }
  }

  void worker_main(SampleRenderer& renderer) {
    SampleData sample;
    std::unique_lock<std::mutex> lock(mutex);
    while (true) {
      work_cv.wait(lock, [&] { return stop || has_task(); });
      if (stop) return;
      Slot& slot = slot_of(task_step);
      const std::int64_t pos = task_pos++;
      const std::uint64_t gen = generation;
      const std::uint32_t ep = epoch;
      ++in_flight;
      lock.unlock();
      std::exception_ptr error;
      try {
        render(slot, pos, ep, renderer, sample);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      --in_flight;
      if (gen == generation) {
        if (error && !worker_error) worker_error = error;
        --slot.remaining;
      }
      if (slot.remaining == 0 || in_flight == 0) done_cv.notify_all();
    }
  }

  void start_epoch(std::uint32_t ep, std::int64_t first_step) {
    std::unique_lock<std::mutex> lock(mutex);
    ++generation;
    end_step = 0;  // hands out nothing while the old epoch's rows drain
    done_cv.wait(lock, [&] { return in_flight == 0; });
    const std::int64_t steps = sampler.steps_per_epoch();
    if (first_step < 0 || first_step > steps) AUTOSPACE_THROW("first_step ", first_step, " outside [0, ", steps, "]");
    sampler.set_epoch(ep);
    epoch = ep;
    end_step = steps;
    delivered = task_step = first_step;
    task_pos = 0;
    worker_error = nullptr;
    for (Slot& s : slots) s = Slot{};
    for (std::int64_t s = first_step; s < task_limit(); ++s) prepare(s);
    stats = EpochStats{};
    stats.epoch = ep;
    epoch_reported = false;
    started = true;
    lock.unlock();
    work_cv.notify_all();
  }

  std::optional<Batch> next() {
    std::unique_lock<std::mutex> lock(mutex);
    if (!started) AUTOSPACE_THROW("Loader::next() before start_epoch()");
    if (delivered >= end_step) {
      if (!epoch_reported && stats.bad.total() > 0)
        std::fprintf(stderr, "autospace data: epoch %u: %lld images delivered, bad files: %s\n", stats.epoch,
                     static_cast<long long>(stats.images), stats.bad.summary().c_str());
      epoch_reported = true;
      return std::nullopt;
    }
    const std::int64_t step = delivered;
    Slot& slot = slot_of(step);
    done_cv.wait(lock, [&] { return slot.remaining == 0 || worker_error; });
    if (worker_error) {
      end_step = delivered;
      std::rethrow_exception(std::exchange(worker_error, nullptr));
    }
    // The slot is complete and no worker can reach it again before it is prepared for
    // step + prefetch, so it is finished without holding the lock.
    lock.unlock();
    Batch batch = take(slot, step);
    for (const BadFile& f : batch.bad_files) options.on_bad_file(f);
    lock.lock();
    stats.batches += 1;
    stats.images += batch.size();
    for (const BadFile& f : batch.bad_files) stats.bad.add(f.kind);
    if (options.bad_files == BadFilePolicy::fail && !batch.bad_files.empty()) {
      end_step = delivered;
      const BadFile& f = batch.bad_files.front();
      throw BadImage(f.kind, f.source + ": " + f.reason);
    }
    ++delivered;
    if (step + options.prefetch_batches < end_step) prepare(step + options.prefetch_batches);
    lock.unlock();
    work_cv.notify_all();
    return batch;
  }

  // Builds the batch of a completed slot, dropping bad rows, and leaves the slot empty.
  Batch take(Slot& slot, std::int64_t step) {
    Batch batch;
    batch.epoch = epoch;
    batch.step = step;
    std::uint8_t* images = slot.images.data<std::uint8_t>();
    std::int64_t* labels = slot.labels.data<std::int64_t>();
    std::size_t kept = 0;
    for (std::size_t pos = 0; pos < slot.indices.size(); ++pos) {
      if (slot.bad[pos]) {
        batch.bad_files.push_back(std::move(slot.bad_info[pos]));
        continue;
      }
      if (kept != pos) {
        std::memcpy(images + image_bytes * kept, images + image_bytes * pos, image_bytes);
        labels[kept] = labels[pos];
        slot.indices[kept] = slot.indices[pos];
      }
      ++kept;
    }
    slot.indices.resize(kept);
    batch.images = slot.images.narrow0(0, static_cast<std::int64_t>(kept));
    batch.labels = slot.labels.narrow0(0, static_cast<std::int64_t>(kept));
    batch.indices = std::move(slot.indices);
    slot = Slot{};
    return batch;
  }
};

Loader::Loader(std::shared_ptr<const Dataset> dataset, LoaderOptions options) {
  if (!dataset) AUTOSPACE_THROW("Loader: no dataset");
  impl_ = std::make_unique<Impl>(std::move(dataset), std::move(options));
}

Loader::~Loader() = default;

std::int64_t Loader::steps_per_epoch() const { return impl_->sampler.steps_per_epoch(); }
int Loader::threads() const { return impl_->num_threads; }
const Dataset& Loader::dataset() const { return *impl_->dataset; }
void Loader::start_epoch(std::uint32_t epoch, std::int64_t first_step) { impl_->start_epoch(epoch, first_step); }
std::optional<Batch> Loader::next() { return impl_->next(); }

EpochStats Loader::epoch_stats() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->stats;
}

}  // namespace autospace::data
