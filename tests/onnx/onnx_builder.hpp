// Small ONNX models built in memory for the import tests: a graph input, nodes, float
// initializers, one output. Written to disk only where a test needs a file.
#pragma once
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

namespace mixprec::testing {

struct onnx_builder {
  onnx::ModelProto proto;

  explicit onnx_builder(std::int64_t opset = 13) {
    proto.set_ir_version(8);
    proto.set_producer_name("mixprec tests");
    auto* o = proto.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
  }
  onnx::GraphProto& graph() { return *proto.mutable_graph(); }

  // A FLOAT graph input; a dim of -1 is dynamic ("batch").
  onnx_builder& input(const std::string& name, std::vector<std::int64_t> dims,
                      int elem = onnx::TensorProto_DataType_FLOAT) {
    auto* v = graph().add_input();
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(elem);
    auto* s = t->mutable_shape();
    for (auto d : dims) {
      auto* dim = s->add_dim();
      if (d < 0) dim->set_dim_param("batch");
      else dim->set_dim_value(d);
    }
    return *this;
  }
  onnx_builder& output(const std::string& name) {
    graph().add_output()->set_name(name);
    return *this;
  }
  // A FLOAT initializer in float_data (raw = false) or raw_data (raw = true).
  onnx_builder& init(const std::string& name, std::vector<std::int64_t> dims, const std::vector<float>& v,
                     bool raw = false) {
    auto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto_DataType_FLOAT);
    for (auto d : dims) t->add_dims(d);
    if (raw) t->set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
    else
      for (float x : v) t->add_float_data(x);
    return *this;
  }
  onnx_builder& init_ints(const std::string& name, std::vector<std::int64_t> dims, const std::vector<std::int64_t>& v) {
    auto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto_DataType_INT64);
    for (auto d : dims) t->add_dims(d);
    for (auto x : v) t->add_int64_data(x);
    return *this;
  }
  onnx::NodeProto& node(const std::string& op, std::initializer_list<std::string> in,
                        std::initializer_list<std::string> out, const std::string& name = "") {
    auto* n = graph().add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& s : in) n->add_input(s);
    for (const auto& s : out) n->add_output(s);
    return *n;
  }
  std::string bytes() const { return proto.SerializeAsString(); }
  std::filesystem::path write(const std::filesystem::path& file) const {
    std::ofstream(file, std::ios::binary) << bytes();
    return file;
  }
};

inline void attr_int(onnx::NodeProto& n, const std::string& name, std::int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto_AttributeType_INT);
  a->set_i(v);
}
inline void attr_float(onnx::NodeProto& n, const std::string& name, float v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto_AttributeType_FLOAT);
  a->set_f(v);
}
inline void attr_ints(onnx::NodeProto& n, const std::string& name, std::initializer_list<std::int64_t> v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto_AttributeType_INTS);
  for (auto x : v) a->add_ints(x);
}
inline void attr_string(onnx::NodeProto& n, const std::string& name, const std::string& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto_AttributeType_STRING);
  a->set_s(v);
}

}  // namespace mixprec::testing
