/* tb_version.h - the tool's version, recorded in every manifest. */
#ifndef TB_VERSION_H
#define TB_VERSION_H

#define TB_VERSION "0.1.0"

#endif
