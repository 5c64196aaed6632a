# sluice_bpf_object(NAME SOURCE)
#
# Compiles SOURCE (a *.bpf.c file) with clang for the BPF target and generates
# its libbpf skeleton NAME.skel.h with bpftool. Creates an INTERFACE library
# target `NAME_skel` that C++ code links to get the skeleton header (and, with
# it, the object embedded in the skeleton). Because the object is embedded in
# the skeleton, the BPF program and the C++ that loads it cannot drift apart.
find_program(BPF_CLANG clang REQUIRED)
find_program(BPFTOOL bpftool REQUIRED)

set(SLUICE_BPF_INCLUDES
  ${CMAKE_SOURCE_DIR}/datapath/include/stubs # first: see linux/if.h there
  ${CMAKE_SOURCE_DIR}/datapath/include
  /usr/include/x86_64-linux-gnu)

function(sluice_bpf_object NAME SOURCE)
  set(obj ${CMAKE_CURRENT_BINARY_DIR}/${NAME}.bpf.o)
  set(skel ${CMAKE_CURRENT_BINARY_DIR}/skel/${NAME}.skel.h)
  set(incs)
  foreach(dir ${SLUICE_BPF_INCLUDES})
    list(APPEND incs -I${dir})
  endforeach()
  file(GLOB_RECURSE bpf_headers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/datapath/include/*.h)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror
            ${incs} -c ${CMAKE_CURRENT_SOURCE_DIR}/${SOURCE} -o ${obj}
    DEPENDS ${SOURCE} ${bpf_headers}
    COMMENT "BPF ${SOURCE}"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/skel
    COMMAND ${BPFTOOL} gen skeleton ${obj} name ${NAME} > ${skel}
    DEPENDS ${obj}
    COMMENT "skeleton ${NAME}.skel.h"
    VERBATIM)
  add_custom_target(${NAME}_skel_gen ALL DEPENDS ${skel})
  add_library(${NAME}_skel INTERFACE)
  add_dependencies(${NAME}_skel ${NAME}_skel_gen)
  target_include_directories(${NAME}_skel INTERFACE
    ${CMAKE_CURRENT_BINARY_DIR}/skel ${CMAKE_SOURCE_DIR}/datapath/include)
  target_link_libraries(${NAME}_skel INTERFACE PkgConfig::LIBBPF)
endfunction()
