// Every verifier error of the bitnet dialect.
// RUN: bitnet-opt %s --split-input-file --verify-diagnostics

func.func @ternarize_shape(%w: tensor<4x8xf32>) {
  // expected-error @+1 {{ternary result shape 4x7 does not match weight shape 4x8}}
  %t, %g = bitnet.ternarize %w : tensor<4x8xf32> -> tensor<4x7xi8>, tensor<f32>
  return
}

// -----

func.func @ternarize_result_type(%w: tensor<4x8xf32>) {
  // expected-error @+1 {{result #0 must be ranked tensor of 8-bit signless integer values}}
  %t, %g = bitnet.ternarize %w : tensor<4x8xf32> -> tensor<4x8xi32>, tensor<f32>
  return
}

// -----

func.func @quantize_bits(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{bits must be 8 (int8 absmax) or 4 (int4 absmean), got 2}}
  %q, %s = bitnet.quantize %x bits 2 : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4xf32>
  return
}

// -----

func.func @quantize_rank(%x: tensor<f32>) {
  // expected-error @+1 {{input must have rank >= 1 (tokens x features)}}
  %q, %s = bitnet.quantize %x bits 8 : tensor<f32> -> tensor<i8>, tensor<f32>
  return
}

// -----

func.func @quantize_values_shape(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{values shape 4x9 does not match input shape 4x8}}
  %q, %s = bitnet.quantize %x bits 8 : tensor<4x8xf32> -> tensor<4x9xi8>, tensor<4xf32>
  return
}

// -----

func.func @quantize_scales_shape(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{scales shape 4x8 must be the input shape without its last dimension (4)}}
  %q, %s = bitnet.quantize %x bits 8 : tensor<4x8xf32> -> tensor<4x8xi8>, tensor<4x8xf32>
  return
}

// -----

func.func @rms_norm_quantize_bits(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{bits must be 8 (int8 absmax) or 4 (int4 absmean), got 3}}
  %q, %s = bitnet.rms_norm_quantize %x, %g epsilon 1.0e-5 bits 3 : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xi8>, tensor<4xf32>
  return
}

// -----

func.func @rms_norm_quantize_epsilon(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{epsilon must be finite and >= 0, got -1}}
  %q, %s = bitnet.rms_norm_quantize %x, %g epsilon -1.0 bits 8 : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xi8>, tensor<4xf32>
  return
}

// -----

func.func @rms_norm_quantize_rank(%x: tensor<f32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{input must have rank >= 1 (tokens x features)}}
  %q, %s = bitnet.rms_norm_quantize %x, %g epsilon 1.0e-5 bits 8 : tensor<f32>, tensor<8xf32> -> tensor<i8>, tensor<f32>
  return
}

// -----

func.func @rms_norm_quantize_gamma(%x: tensor<4x8xf32>, %g: tensor<1x8xf32>) {
  // expected-error @+1 {{gamma shape 1x8 must be the input's last dimension (8)}}
  %q, %s = bitnet.rms_norm_quantize %x, %g epsilon 1.0e-5 bits 8 : tensor<4x8xf32>, tensor<1x8xf32> -> tensor<4x8xi8>, tensor<4xf32>
  return
}

// -----

func.func @rms_norm_quantize_gamma_length(%x: tensor<4x8xf32>, %g: tensor<7xf32>) {
  // expected-error @+1 {{gamma shape 7 must be the input's last dimension (8)}}
  %q, %s = bitnet.rms_norm_quantize %x, %g epsilon 1.0e-5 bits 8 : tensor<4x8xf32>, tensor<7xf32> -> tensor<4x8xi8>, tensor<4xf32>
  return
}

// -----

func.func @rms_norm_quantize_values_shape(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{values shape 4x9 does not match input shape 4x8}}
  %q, %s = bitnet.rms_norm_quantize %x, %g epsilon 1.0e-5 bits 8 : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x9xi8>, tensor<4xf32>
  return
}

// -----

func.func @rms_norm_quantize_scales_shape(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{scales shape 4x8 must be the input shape without its last dimension (4)}}
  %q, %s = bitnet.rms_norm_quantize %x, %g epsilon 1.0e-5 bits 8 : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xi8>, tensor<4x8xf32>
  return
}

// -----

func.func @rms_norm_quantize_sums_shape(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{sums shape 5 must be the input shape without its last dimension (4)}}
  %q, %s, %t = bitnet.rms_norm_quantize %x, %g epsilon 1.0e-5 bits 8 : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xi8>, tensor<4xf32>, tensor<5xi32>
  return
}

// -----

func.func @rms_norm_quantize_sums_type(%x: tensor<4x8xf32>, %g: tensor<8xf32>) {
  // expected-error @+1 {{result #2 must be ranked tensor of 32-bit signless integer values, but got 'tensor<4xi8>'}}
  %q, %s, %t = bitnet.rms_norm_quantize %x, %g epsilon 1.0e-5 bits 8 : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xi8>, tensor<4xf32>, tensor<4xi8>
  return
}

// -----

func.func @dequantize_rank(%v: tensor<i32>, %s: tensor<f32>) {
  // expected-error @+1 {{values must have rank >= 1}}
  %y = bitnet.dequantize %v, %s : tensor<i32>, tensor<f32> -> tensor<f32>
  return
}

// -----

func.func @dequantize_result_shape(%v: tensor<4x8xi32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{result shape 4x9 does not match values shape 4x8}}
  %y = bitnet.dequantize %v, %s : tensor<4x8xi32>, tensor<4xf32> -> tensor<4x9xf32>
  return
}

// -----

func.func @dequantize_scales_shape(%v: tensor<4x8xi32>, %s: tensor<8xf32>) {
  // expected-error @+1 {{scales shape 8 must be the values shape without its last dimension (4)}}
  %y = bitnet.dequantize %v, %s : tensor<4x8xi32>, tensor<8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @dequantize_weight_scale_rank(%v: tensor<4x8xi32>, %s: tensor<4xf32>, %g: tensor<1xf32>) {
  // expected-error @+1 {{operand #2 must be 0D tensor of 32-bit float values}}
  %y = bitnet.dequantize %v, %s, %g : tensor<4x8xi32>, tensor<4xf32>, tensor<1xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @topk_fraction_zero(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{fraction must be in (0, 1], got 0}}
  %y = bitnet.topk_sparsify %x fraction 0.0 : tensor<4x8xf32>
  return
}

// -----

func.func @topk_fraction_large(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{fraction must be in (0, 1], got 1.5}}
  %y = bitnet.topk_sparsify %x fraction 1.5 : tensor<4x8xf32>
  return
}

// -----

func.func @topk_rank(%x: tensor<f32>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %y = bitnet.topk_sparsify %x fraction 0.5 : tensor<f32>
  return
}

// -----

func.func @bitlinear_input_rank(%x: tensor<f32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{input must have rank >= 1 (tokens x K)}}
  %y = bitnet.bitlinear %x, %w : tensor<f32>, tensor<4x8xf32> -> tensor<4xf32>
  return
}

// -----

func.func @bitlinear_weight_rank(%x: tensor<2x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{weight must be 2-D [M, K], got rank 1}}
  %y = bitnet.bitlinear %x, %w : tensor<2x8xf32>, tensor<8xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @bitlinear_k_mismatch(%x: tensor<2x8xf32>, %w: tensor<4x9xf32>) {
  // expected-error @+1 {{weight has K = 9 but the input's last dimension is 8}}
  %y = bitnet.bitlinear %x, %w : tensor<2x8xf32>, tensor<4x9xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @bitlinear_result_shape(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{result shape 2x5 must be 2x4}}
  %y = bitnet.bitlinear %x, %w : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x5xf32>
  return
}

// -----

func.func @bitlinear_float_with_scale(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>, %g: tensor<f32>) {
  // expected-error @+1 {{a float weight is ternarized by the op and takes no weight_scale operand}}
  %y = bitnet.bitlinear %x, %w, %g : tensor<2x8xf32>, tensor<4x8xf32>, tensor<f32> -> tensor<2x4xf32>
  return
}

// -----

func.func @bitlinear_ternary_without_scale(%x: tensor<2x8xf32>, %w: tensor<4x8xi8>) {
  // expected-error @+1 {{a ternary i8 weight needs its per-tensor weight_scale operand}}
  %y = bitnet.bitlinear %x, %w : tensor<2x8xf32>, tensor<4x8xi8> -> tensor<2x4xf32>
  return
}

// -----

func.func @bitlinear_act_bits(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{act_bits must be 8 (int8 absmax) or 4 (int4 absmean), got 3}}
  %y = bitnet.bitlinear %x, %w act_bits 3 : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @bitlinear_topk(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{topk must be in (0, 1], got -0.5}}
  %y = bitnet.bitlinear %x, %w topk -0.5 : tensor<2x8xf32>, tensor<4x8xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @pack_weight_rank(%w: tensor<8xi8>) {
  // expected-error @+1 {{weight must be 2-D [M, K], got rank 1}}
  %p = bitnet.pack %w format <i2s> : tensor<8xi8> -> tensor<1x32xi8>
  return
}

// -----

func.func @pack_packed_rank(%w: tensor<4x8xi8>) {
  // expected-error @+1 {{packed weight must be 2-D [M, bytes], got rank 1}}
  %p = bitnet.pack %w format <i2s> : tensor<4x8xi8> -> tensor<128xi8>
  return
}

// -----

func.func @pack_rows(%w: tensor<4x8xi8>) {
  // expected-error @+1 {{packed weight has 3 rows, expected 4}}
  %p = bitnet.pack %w format <i2s> : tensor<4x8xi8> -> tensor<3x32xi8>
  return
}

// -----

func.func @pack_row_bytes(%w: tensor<4x200xi8>) {
  // expected-error @+1 {{packed weight has 50 bytes per row, but format i2s needs 64 for K = 200}}
  %p = bitnet.pack %w format <i2s> : tensor<4x200xi8> -> tensor<4x50xi8>
  return
}

// -----

func.func @unpack_weight_rank(%p: tensor<1x32xi8>) {
  // expected-error @+1 {{weight must be 2-D [M, K], got rank 1}}
  %w = bitnet.unpack %p format <i2s> : tensor<1x32xi8> -> tensor<8xi8>
  return
}

// -----

func.func @unpack_packed_rank(%p: tensor<128xi8>) {
  // expected-error @+1 {{packed weight must be 2-D [M, bytes], got rank 1}}
  %w = bitnet.unpack %p format <i2s> : tensor<128xi8> -> tensor<4x8xi8>
  return
}

// -----

func.func @unpack_rows(%p: tensor<3x32xi8>) {
  // expected-error @+1 {{packed weight has 3 rows, expected 4}}
  %w = bitnet.unpack %p format <i2s> : tensor<3x32xi8> -> tensor<4x8xi8>
  return
}

// -----

func.func @unpack_row_bytes(%p: tensor<4x64xi8>) {
  // expected-error @+1 {{packed weight has 64 bytes per row, but format tl1 needs 50 for K = 200}}
  %w = bitnet.unpack %p format <tl1> : tensor<4x64xi8> -> tensor<4x200xi8>
  return
}

// -----

func.func @pack_unknown_format(%w: tensor<4x8xi8>) {
  // expected-error @+2 {{expected ::mlir::bitnet::PackedFormat to be one of: i2s, tl1, tl2, t5, tl2r}}
  // expected-error @+1 {{failed to parse BitNet_PackedFormatAttr parameter 'value'}}
  %p = bitnet.pack %w format <q4> : tensor<4x8xi8> -> tensor<4x2xi8>
  return
}

// -----

func.func @matmul_act_rank(%q: tensor<2x4x8xi8>, %w: tensor<4x8xi8>) {
  // expected-error @+1 {{activations must be 2-D [N, K], got rank 3}}
  %a = bitnet.ternary_matmul %q, %w : tensor<2x4x8xi8>, tensor<4x8xi8> -> tensor<2x4xi32>
  return
}

// -----

func.func @matmul_empty(%q: tensor<0x8xi8>, %w: tensor<4x8xi8>) {
  // expected-error @+1 {{needs non-empty operands, got N = 0, K = 8, M = 4}}
  %a = bitnet.ternary_matmul %q, %w : tensor<0x8xi8>, tensor<4x8xi8> -> tensor<0x4xi32>
  return
}

// -----

func.func @matmul_weight_rank(%q: tensor<2x8xi8>, %w: tensor<8xi8>) {
  // expected-error @+1 {{weight must be 2-D, got rank 1}}
  %a = bitnet.ternary_matmul %q, %w : tensor<2x8xi8>, tensor<8xi8> -> tensor<2x1xi32>
  return
}

// -----

func.func @matmul_k_mismatch(%q: tensor<2x8xi8>, %w: tensor<4x9xi8>) {
  // expected-error @+1 {{unpacked weight has K = 9 but the activations have K = 8}}
  %a = bitnet.ternary_matmul %q, %w : tensor<2x8xi8>, tensor<4x9xi8> -> tensor<2x4xi32>
  return
}

// -----

func.func @matmul_packed_bytes(%q: tensor<2x200xi8>, %w: tensor<4x64xi8>) {
  // expected-error @+1 {{packed weight has 64 bytes per row, but format tl1 needs 50 for K = 200}}
  %a = bitnet.ternary_matmul %q, %w format <tl1> : tensor<2x200xi8>, tensor<4x64xi8> -> tensor<2x4xi32>
  return
}

// -----

func.func @matmul_result_shape(%q: tensor<2x8xi8>, %w: tensor<4x8xi8>) {
  // expected-error @+1 {{result shape 4x2 must be 2x4}}
  %a = bitnet.ternary_matmul %q, %w : tensor<2x8xi8>, tensor<4x8xi8> -> tensor<4x2xi32>
  return
}

// -----

func.func @matmul_result_type(%q: tensor<2x8xi8>, %w: tensor<4x8xi8>) {
  // expected-error @+1 {{result #0 must be ranked tensor of 32-bit signless integer values}}
  %a = bitnet.ternary_matmul %q, %w : tensor<2x8xi8>, tensor<4x8xi8> -> tensor<2x4xi16>
  return
}

// -----

func.func @ternary_matmul_config_format(%q: tensor<2x8xi8>, %w: tensor<4x8xi8>) {
  // expected-error @+1 {{kernel_config needs weights packed in format <i2s>, <t5> or <tl2r>}}
  %a = bitnet.ternary_matmul %q, %w {kernel_config = #bitnet.ternary_kernel<vector_bytes = 64, rows_per_block = 4, token_tile = 1, row_tile = 1, single_token_row_tile = 1, prefetch_distance = 0, cache_line_bytes = 64, decode_accumulators = 1, i16_accumulation = false>} : tensor<2x8xi8>, tensor<4x8xi8> -> tensor<2x4xi32>
  return
}

// -----

// expected-error @+1 {{vector_bytes must be 16, 32 or 64, not 8}}
func.func @kernel_config_vector_bytes() attributes {c = #bitnet.ternary_kernel<vector_bytes = 8, rows_per_block = 4, token_tile = 1, row_tile = 1, single_token_row_tile = 1, prefetch_distance = 0, cache_line_bytes = 64, decode_accumulators = 1, i16_accumulation = false>} {
  return
}

// -----

// expected-error @+1 {{rows_per_block, token_tile, row_tile and single_token_row_tile must be at least 1}}
func.func @kernel_config_tiles() attributes {c = #bitnet.ternary_kernel<vector_bytes = 64, rows_per_block = 4, token_tile = 0, row_tile = 1, single_token_row_tile = 1, prefetch_distance = 0, cache_line_bytes = 64, decode_accumulators = 1, i16_accumulation = false>} {
  return
}

// -----

// Register tiles are unrolled: a bound keeps a hostile one from growing the
// kernel without limit.
// expected-error @+1 {{token_tile, row_tile and single_token_row_tile must be at most 32}}
func.func @kernel_config_big_tile() attributes {c = #bitnet.ternary_kernel<vector_bytes = 64, rows_per_block = 4, token_tile = 1, row_tile = 1000000000, single_token_row_tile = 1, prefetch_distance = 0, cache_line_bytes = 64, decode_accumulators = 1, i16_accumulation = false>} {
  return
}

// -----

// expected-error @+1 {{prefetch_distance must be from 0 (none) to 1073741824}}
func.func @kernel_config_prefetch() attributes {c = #bitnet.ternary_kernel<vector_bytes = 64, rows_per_block = 4, token_tile = 1, row_tile = 1, single_token_row_tile = 1, prefetch_distance = -64, cache_line_bytes = 64, decode_accumulators = 1, i16_accumulation = false>} {
  return
}

// -----

// expected-error @+1 {{cache_line_bytes must be a power of two}}
func.func @kernel_config_line() attributes {c = #bitnet.ternary_kernel<vector_bytes = 64, rows_per_block = 4, token_tile = 1, row_tile = 1, single_token_row_tile = 1, prefetch_distance = 0, cache_line_bytes = 96, decode_accumulators = 1, i16_accumulation = false>} {
  return
}

// -----

// expected-error @+1 {{decode_accumulators must be 1, 2 or 4, not 3}}
func.func @kernel_config_accumulators() attributes {c = #bitnet.ternary_kernel<vector_bytes = 64, rows_per_block = 4, token_tile = 1, row_tile = 1, single_token_row_tile = 1, prefetch_distance = 0, cache_line_bytes = 64, decode_accumulators = 3, i16_accumulation = false>} {
  return
}

// -----

// expected-error @+1 {{lanes must be 4, 8 or 16, not 6}}
func.func @float_kernel_lanes() attributes {c = #bitnet.float_kernel<lanes = 6, rows = 4, cols = 5, l1_bytes = 32768, l2_bytes = 1048576, fma = true>} {
  return
}

// -----

// expected-error @+1 {{rows and cols must be from 1 to 32}}
func.func @float_kernel_tile() attributes {c = #bitnet.float_kernel<lanes = 16, rows = 0, cols = 5, l1_bytes = 32768, l2_bytes = 1048576, fma = true>} {
  return
}

// -----

// expected-error @+1 {{rows and cols must be from 1 to 32}}
func.func @float_kernel_big_tile() attributes {c = #bitnet.float_kernel<lanes = 16, rows = 4, cols = 1000, l1_bytes = 32768, l2_bytes = 1048576, fma = true>} {
  return
}

// -----

// expected-error @+1 {{l1_bytes and l2_bytes must be from 1 to 1073741824}}
func.func @float_kernel_caches() attributes {c = #bitnet.float_kernel<lanes = 16, rows = 4, cols = 5, l1_bytes = 0, l2_bytes = 1048576, fma = true>} {
  return
}

// -----

// expected-error @+2 {{expected true or false}}
// expected-error @+1 {{failed to parse BitNet_TernaryKernelConfigAttr parameter 'i16_accumulation' which is to be a `bool`}}
func.func @kernel_config_bool() attributes {c = #bitnet.ternary_kernel<vector_bytes = 64, rows_per_block = 4, token_tile = 1, row_tile = 1, single_token_row_tile = 1, prefetch_distance = 0, cache_line_bytes = 64, decode_accumulators = 1, i16_accumulation = yes>} {
  return
}

// -----

func.func @dot4_lanes(%acc: vector<8xi32>, %a: vector<64xi8>, %b: vector<64xi8>) {
  // expected-error @+1 {{byte operands must have 4 x 8 elements, got 64 and 64}}
  %r = bitnet.dot4 %acc, %a, %b : vector<8xi32>, vector<64xi8>, vector<64xi8>
  return
}

// -----

func.func @dot2_lanes(%acc: vector<16xi16>, %a: vector<64xi8>, %b: vector<32xi8>) {
  // expected-error @+1 {{byte operands must have 2 x 16 elements, got 64 and 32}}
  %r = bitnet.dot2 %acc, %a, %b : vector<16xi16>, vector<64xi8>, vector<32xi8>
  return
}

// -----

func.func @dot2_acc_type(%acc: vector<8xi32>, %a: vector<16xi8>, %b: vector<16xi8>) {
  // expected-error @+1 {{operand #0 must be fixed-length vector of 16-bit signless integer values of ranks 1}}
  %r = bitnet.dot2 %acc, %a, %b : vector<8xi32>, vector<16xi8>, vector<16xi8>
  return
}

// -----

func.func @add_pairs_acc_type(%acc: vector<8xi16>, %x: vector<16xi16>) {
  // expected-error @+1 {{operand #0 must be fixed-length vector of 32-bit signless integer values of ranks 1}}
  %r = bitnet.add_pairs %acc, %x : vector<8xi16>, vector<16xi16>
  return
}

// -----

func.func @dot4_scalable(%acc: vector<[4]xi32>, %a: vector<[16]xi8>, %b: vector<[16]xi8>) {
  // expected-error @+1 {{operand #0 must be fixed-length vector of 32-bit signless integer values of ranks 1}}
  %r = bitnet.dot4 %acc, %a, %b : vector<[4]xi32>, vector<[16]xi8>, vector<[16]xi8>
  return
}

// -----

func.func @add_pairs_lanes(%acc: vector<8xi32>, %x: vector<8xi16>) {
  // expected-error @+1 {{x must have 2 x 8 elements, got 8}}
  %r = bitnet.add_pairs %acc, %x : vector<8xi32>, vector<8xi16>
  return
}

// -----

func.func @lookup_table_size(%table: vector<100xi8>, %i: vector<64xi8>) {
  // expected-error @+1 {{table must have 16, 32, 64, 128 or 256 entries, got 100}}
  %r = bitnet.lookup %table[%i] : vector<100xi8>, vector<64xi8>
  return
}

// -----

func.func @lookup_table_too_large(%table: vector<512xi8>, %i: vector<64xi8>) {
  // expected-error @+1 {{table must have 16, 32, 64, 128 or 256 entries, got 512}}
  %r = bitnet.lookup %table[%i] : vector<512xi8>, vector<64xi8>
  return
}

// -----

func.func @lookup_element_type(%table: vector<256xi16>, %i: vector<64xi8>) {
  // expected-error @+1 {{operand #0 must be fixed-length vector of 8-bit signless integer values of ranks 1}}
  %r = bitnet.lookup %table[%i] : vector<256xi16>, vector<64xi8>
  return
}
